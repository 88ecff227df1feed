package controller

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// fulfilledCluster is the request's Cluster built and ready at v1.33.0.
func fulfilledCluster(t *testing.T) (*v1alpha1.ProvisioningRequest, *clusterv1.Cluster) {
	t.Helper()
	req, c := builtRequest(t)
	c.Generation = 1
	c.Status.Conditions = []metav1.Condition{
		cond(clusterv1.ClusterInfrastructureReadyCondition, "True", "Ready", 1),
		cond(clusterv1.ClusterControlPlaneAvailableCondition, "True", "Available", 1),
		cond(clusterv1.ClusterWorkersAvailableCondition, "True", "Available", 1),
		cond(clusterv1.ClusterTopologyReconciledCondition, "True", "ReconcileSucceeded", 1),
	}
	return req, c
}

// fulfilledRequest is the request as the controller left it once its Cluster was built and
// ready and the cluster a member: FULFILLED, with the Cluster, DeploymentManager and Resource
// it was reconciled with.
func fulfilledRequest(t *testing.T) (*v1alpha1.ProvisioningRequest, *clusterv1.Cluster, *v1alpha1.DeploymentManager, *v1alpha1.O2Resource) {
	t.Helper()
	req, c := fulfilledCluster(t)
	dm, res := memberObjects()
	f := newFixture(t, []*clusterv1.Cluster{c}, req, template("v1.33.0"), dm, res)
	f.reconcile(t, "tenant-a")
	built := f.request(t, "tenant-a")
	if built.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseFulfilled {
		t.Fatalf("setup: request %s %q, want FULFILLED", built.Status.ProvisioningPhase, built.Status.Message)
	}
	return built, c, dm, res
}

// TestRegressionFailedRequestWithoutClusterKeepsReadySteps (found by review): a FULFILLED request whose Cluster is
// gone (deleted behind it; the controller did not see it being torn down, e.g. a leader
// change or coalesced events) and cannot be built again (here: the operator retired the
// version, its template is gone) turns FAILED, but its status keeps saying the old cluster
// is there: nodeClusterProvisioningStatus PROVISIONED with the old DeploymentManager id, and
// InfrastructureReady, ControlPlaneReady, WorkersReady and InInventory True. Without a Cluster
// those steps are dropped and nodeClusterProvisioningStatus is empty (kept only while DELETING).
func TestRegressionFailedRequestWithoutClusterKeepsReadySteps(t *testing.T) {
	built, _, _, _ := fulfilledRequest(t)

	// The Cluster is gone, and so are its member and the template of its version.
	g := newFixture(t, nil, built)
	g.reconcile(t, "tenant-a")
	got := g.request(t, "tenant-a").Status
	if got.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed {
		t.Fatalf("request %s %q, want FAILED (no template)", got.ProvisioningPhase, got.Message)
	}
	if s := got.NodeClusterProvisioningStatus; s != nil && s.ResourceProvisioningPhase == v1alpha1.ResourceProvisioningPhaseProvisioned {
		t.Errorf("FAILED request without a Cluster reports nodeClusterProvisioningStatus %+v", *s)
	}
	for _, typ := range []string{ConditionInfrastructureReady, ConditionControlPlaneReady, ConditionWorkersReady, ConditionInInventory} {
		if meta.IsStatusConditionTrue(got.Conditions, typ) {
			t.Errorf("FAILED request without a Cluster reports %s True: %+v", typ, meta.FindStatusCondition(got.Conditions, typ))
		}
	}
}
