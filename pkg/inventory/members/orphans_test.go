package members

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// A member's kubeconfig Secret is edited into a kubeconfig netweave cannot use (garbage, or one
// RESTConfigOf refuses: an exec plugin, a tokenFile, ...). The manager stops the running sync
// and retries Connect; the member's DeploymentManager kept saying ENABLED /
// ClusterReachable=True, with an inventory nobody synced any more, even when the member then
// went down, and no alarm was raised (the alarm source reads that condition).
func TestRegressionBrokenKubeconfigEditDisablesTheMember(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.enabled("member manager enabled")
	s, err := r.central.CoreV1().Secrets(invNS).Get(ctx, "edge-1-kubeconfig", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Data["value"] = []byte("users: [{name: u, user: {exec: {command: aws}}}]") // refused by Connect
	if _, err := r.central.CoreV1().Secrets(invNS).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The member is down as well: a running sync would say DISABLED within a probe interval.
	r.down.Store(true)
	var last string
	err = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		dm, err := r.manager()
		if err != nil {
			return false, err
		}
		last = string(dm.Status.OperationalState)
		return dm.Status.OperationalState != v1alpha1.OperationalStateEnabled, nil
	})
	if err != nil {
		t.Fatalf("member sync no longer runs (kubeconfig refused, running=%v), yet its DeploymentManager still says %s", r.mgr.Running(), last)
	}
	dm, err := r.manager()
	if err != nil {
		t.Fatal(err)
	}
	if c := meta.FindStatusCondition(dm.Status.Conditions, v1alpha1.DeploymentManagerClusterReachable); c == nil ||
		c.Status != metav1.ConditionFalse || c.Message != kubeconfigUnusable {
		t.Errorf("ClusterReachable %+v, want False: %q", c, kubeconfigUnusable)
	}
}

// While no replica led (netweave restarting, a leader failover), a tenant rewrote its Cluster
// API Secret to a server it runs (or its ProvisioningRequest went away while the tenant kept
// the Secret). The new leader's manager ignores that Secret, correctly, but never removes the
// member's inventory: purgeOrphans counted any parsable registration as live (without the
// NotBuilt check), and sync() purges only a member found in m.running, which is empty after a
// restart. The member's DeploymentManager (labelled for the tenant, still an O2-DMS target in
// the inventory) and its Resources stayed for good, unsynced. Without the restart the same
// rewrite purges them (TestRegressionTenantSecretNeedsItsCluster).
func TestRegressionTenantSecretRewrittenDuringRestartLosesTheMember(t *testing.T) {
	member := ProvisionedName("tenant-b", requestID)
	own := tenantKubeconfig("tenant-b's own server", "https://tenant-b.example.org:6443")
	r := newRigWith(t, func(c *Config) {
		c.CAPINamespaces, c.TenantNamespaces = []string{"tenant-b"}, []string{"tenant-b"}
		// What the previous leader synced for the member before the restart.
		dm := &v1alpha1.DeploymentManager{ObjectMeta: inventory.ManagedMeta(invNS, member, "Cluster/"+member),
			Spec: v1alpha1.DeploymentManagerSpec{DeploymentManagerID: "9d3c0f5e-2f0a-4d1c-9a53-3d2f1c0b7a11", Name: member}}
		dm.Labels[v1alpha1.LabelCluster] = member
		dm.Labels[v1alpha1.LabelTenant] = "tenant-b"
		if _, err := c.O2.O2imsV1alpha1().DeploymentManagers(invNS).Create(context.Background(), dm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}, capiSecret("tenant-b", member, own))
	r.provision("tenant-b", requestID) // request and Cluster in place; the Secret names another server
	r.ignoredFor("its kubeconfig does not name its Cluster's control plane endpoint")
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, wait.ForeverTestTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := r.o2.O2imsV1alpha1().DeploymentManagers(invNS).Get(ctx, member, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("the member registers nothing (running %v), yet its deployment manager %s is still in the inventory", r.mgr.Running(), member)
	}
}
