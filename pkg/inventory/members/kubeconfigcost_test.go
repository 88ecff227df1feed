package members

import (
	"runtime"
	"strings"
	"testing"
)

// TestRegressionKubeconfigParseCostsFarMoreThanItsBytes: a member's kubeconfig is a Secret's
// value, a tenant's in its own namespace (Cluster API discovery, a provisioned cluster's
// name), and clientcmd parses it as YAML in netweave's process at some hundred bytes per node,
// a node per two bytes: the 1 MiB a Secret holds of `x: [a,a,...]` took 127 MiB to be refused
// (at each registration's connect and each check of a provisioned member's endpoint). A
// kubeconfig is now refused past MaxKubeconfigBytes before it is parsed.
func TestRegressionKubeconfigParseCostsFarMoreThanItsBytes(t *testing.T) {
	good := tenantKubeconfig("x", "https://10.0.0.1:6443")
	if _, err := parseKubeconfig([]byte(good)); err != nil {
		t.Fatalf("a self-contained kubeconfig: %v", err)
	}
	big := good + "x: [" + strings.Repeat("a,", (1<<20-len(good))/2-4) + "a]\n"
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := parseKubeconfig([]byte(big))
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a kubeconfig of %d bytes: %v, want it refused for its size", len(big), err)
	}
	// The kubeconfig's own bytes are the caller's; parsing it must cost no more than a few
	// times them.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("refusing a kubeconfig of %d bytes allocated %d MiB", len(big), alloc>>20)
	}
}
