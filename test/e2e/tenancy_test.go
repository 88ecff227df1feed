package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
)

// testTenancy shows Kubernetes RBAC deciding what each tenant sees: alice is bound to
// o2ims-reader in tenant-a only; bob to nothing.
func testTenancy(t *testing.T, s *stack) {
	admin := localstack.Admin
	for _, tenant := range []struct{ ns, id string }{
		{"tenant-a", "a0000000-0000-4000-8000-00000000000a"},
		{"tenant-b", "b0000000-0000-4000-8000-00000000000b"},
	} {
		manifest := `apiVersion: v1
kind: Namespace
metadata: {name: ` + tenant.ns + `}
---
apiVersion: o2ims.oran.org/v1alpha1
kind: ResourcePool
metadata: {name: pool, namespace: ` + tenant.ns + `}
spec: {name: pool, resourcePoolId: ` + tenant.id + `}
`
		if out, stderr, err := s.kubectlStdin(t, admin, manifest, "apply", "-f", "-"); err != nil {
			t.Fatalf("apply %s: %v\n%s%s", tenant.ns, err, out, stderr)
		}
	}
	s.kubectl(t, admin, "create", "rolebinding", "alice-reader", "-n", "tenant-a", "--clusterrole=o2ims-reader", "--user=alice")

	out := s.kubectl(t, localstack.Alice, "get", "resourcepools", "-n", "tenant-a", "-o", "jsonpath={.items[*].spec.resourcePoolId}")
	if out != "a0000000-0000-4000-8000-00000000000a" {
		t.Errorf("alice in tenant-a: got %q", out)
	}
	for _, args := range [][]string{
		{"get", "resourcepools", "-n", "tenant-b"},
		{"get", "resourcepool", "pool", "-n", "tenant-b"},
		{"get", "resourcepools", "--all-namespaces"},
		{"delete", "resourcepool", "pool", "-n", "tenant-a"},
	} {
		stderr := s.kubectlErr(t, localstack.Alice, args...)
		if !strings.Contains(stderr, "Forbidden") && !strings.Contains(stderr, "forbidden") {
			t.Errorf("alice %v: want forbidden, got %s", args, stderr)
		}
	}
	stderr := s.kubectlErr(t, localstack.Bob, "get", "resourcepools", "-n", "tenant-a")
	if !strings.Contains(stderr, "forbidden") {
		t.Errorf("bob in tenant-a: want forbidden, got %s", stderr)
	}

	client, err := versioned.NewForConfig(s.cp.RESTConfig(localstack.Alice))
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.O2imsV1alpha1().ResourcePools("tenant-b").Get(context.Background(), "pool", metav1.GetOptions{})
	if !isStatus(err, http.StatusForbidden) {
		t.Errorf("client-go as alice in tenant-b: want 403, got %v", err)
	}
	if _, err := client.O2imsV1alpha1().ResourcePools("tenant-a").Get(context.Background(), "pool", metav1.GetOptions{}); err != nil {
		t.Errorf("client-go as alice in tenant-a: %v", err)
	}
}
