package controller

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestClusterName(t *testing.T) {
	const id = "6f1c9a52-3f7e-4d7a-9a52-0c1d2e3f4a5b"
	if got := ClusterName("tenant-a", id); got != "tenant-a-"+id {
		t.Errorf("short: %s", got)
	}
	long := strings.Repeat("n", 40)
	a, b := ClusterName(long+"a", id), ClusterName(long+"b", id)
	for _, n := range []string{a, b, ClusterName("t", strings.Repeat("x", 70))} {
		if len(n) > maxClusterName || len(validation.IsDNS1123Label(n)) > 0 {
			t.Errorf("%q is not a valid Cluster name: %v", n, validation.IsDNS1123Label(n))
		}
	}
	if a == b || !strings.HasSuffix(a, id) {
		t.Errorf("long namespaces: %q and %q", a, b)
	}
	// The id is a UUID, of fixed length, so "<namespace>-<id>" gives the namespace back.
	if ClusterName("a-b", id) == ClusterName("a-c", id) {
		t.Error("collision")
	}
}
