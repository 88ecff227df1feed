package apiserver

import (
	"context"
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/k8sprofile"
	"github.com/netweave-io/netweave/pkg/o2rest"
)

// TestRegressionNoProfileTokenInAnotherTenantsCluster: a caller holding the credentials
// permission on the inventory's deployment managers got, from the Kubernetes profile of a
// member cluster tenant-b provisioned, a token bound to edit in its own tenant namespace of
// that cluster: tenant-a could run workloads in the cluster tenant-b administers. The profile
// now offers tokens there to tenant-b and the operator's namespace only (a 403 saying so, as
// for a namespace not enabled); without a token the profile is unchanged.
func TestRegressionNoProfileTokenInAnotherTenantsCluster(t *testing.T) {
	const inventory = "o2ims-system"
	// No registration Secret: a profile the check lets through answers "no cluster known",
	// which tells it reached the provider.
	c := clusterProfiles{p: k8sprofile.NewProvider(k8sprofile.Config{Secrets: fake.NewSimpleClientset(), Namespace: inventory}), inventoryNamespace: inventory}
	dm := &v1alpha1.DeploymentManager{ObjectMeta: metav1.ObjectMeta{Namespace: inventory, Name: "tenant-b-edge", Labels: map[string]string{
		v1alpha1.LabelManagedBy: v1alpha1.ManagedByInventory, v1alpha1.LabelCluster: "tenant-b-edge", v1alpha1.LabelTenant: "tenant-b"}}}
	ctx := context.Background()

	_, _, err := c.Profile(ctx, dm, "tenant-a")
	if !errors.Is(err, o2rest.ErrCredentialsNotOffered) {
		t.Fatalf("tenant-a's token in tenant-b's cluster: %v, want credentials not offered", err)
	}
	if strings.Contains(err.Error(), "tenant-b") {
		t.Errorf("refusal %q names the other tenant", err)
	}
	for _, ns := range []string{"tenant-b", inventory, ""} {
		if _, found, err := c.Profile(ctx, dm, ns); err != nil || found {
			t.Errorf("namespace %q: found %v, %v; want it to reach the provider (no cluster known)", ns, found, err)
		}
	}
}

// TestRegressionTenantTargetsKubeSystem (profile): whoever held the credentials permission
// in the hub's kube-system (the built-in admin and edit roles aggregate o2ims-admin) got a
// token bound to edit in kube-system of the cluster. Tenants get none in kube-* namespaces;
// the operator's namespace still gets its own.
func TestRegressionTenantTargetsKubeSystemProfile(t *testing.T) {
	const inventory = "o2ims-system"
	c := clusterProfiles{p: k8sprofile.NewProvider(k8sprofile.Config{Secrets: fake.NewSimpleClientset(), Namespace: inventory}), inventoryNamespace: inventory}
	dm := &v1alpha1.DeploymentManager{ObjectMeta: metav1.ObjectMeta{Namespace: inventory, Name: "edge", Labels: map[string]string{
		v1alpha1.LabelManagedBy: v1alpha1.ManagedByInventory, v1alpha1.LabelCluster: "edge"}}}
	ctx := context.Background()
	for _, ns := range []string{"kube-system", "kube-public", "kube-node-lease"} {
		if _, _, err := c.Profile(ctx, dm, ns); !errors.Is(err, o2rest.ErrCredentialsNotOffered) {
			t.Errorf("a token in %s: %v, want credentials not offered", ns, err)
		}
	}
	for _, ns := range []string{"tenant-a", "kubeflow", inventory} {
		if _, found, err := c.Profile(ctx, dm, ns); err != nil || found {
			t.Errorf("namespace %q: found %v, %v; want it to reach the provider (no cluster known)", ns, found, err)
		}
	}
}

// TestRegressionProfileOfOwnManagerIsNotAnotherTenantsCluster: a DeploymentManager a tenant's
// admin made in its own namespace has no cluster netweave knows, and its ?profile=k8s is a 404
// for callers without the credentials permission; a caller holding it (a namespace admin: the
// built-in admin role aggregates o2ims-admin) got a 403 saying the cluster "was provisioned for
// another tenant namespace", about its own namespace's object and a cluster nobody provisioned.
// It is now no cluster known, whoever asks.
func TestRegressionProfileOfOwnManagerIsNotAnotherTenantsCluster(t *testing.T) {
	const inventory = "o2ims-system"
	c := clusterProfiles{p: k8sprofile.NewProvider(k8sprofile.Config{Secrets: fake.NewSimpleClientset(), Namespace: inventory}), inventoryNamespace: inventory}
	dm := &v1alpha1.DeploymentManager{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "mine"}}
	for _, ns := range []string{"", "tenant-a", "kube-system"} {
		if _, found, err := c.Profile(context.Background(), dm, ns); err != nil || found {
			t.Errorf("namespace %q: found %v, %v; want no cluster known", ns, found, err)
		}
	}
}
