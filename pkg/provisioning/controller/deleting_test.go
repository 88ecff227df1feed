package controller

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionClusterDeletedBehindTheRequestIsNotFulfilled (found by review): when the request's own Cluster is
// deleted behind the request (kubectl delete cluster, a cleanup script, another controller)
// the request is not DELETING, so deriveStatus ignores the Cluster's deletionTimestamp: while
// Cluster API tears the cluster down (its conditions and the member's DeploymentManager stay
// as they were until the machines and the kubeconfig Secret go), the request keeps reporting
// FULFILLED, "cluster … is ready at v1.33.0 and in the inventory", and
// nodeClusterProvisioningStatus PROVISIONED; the SMO learns nothing until the member drops
// out, and then the controller silently builds a new Cluster. It is PROGRESSING now, and
// Fulfilled says the Cluster is being deleted and will be created again.
func TestRegressionClusterDeletedBehindTheRequestIsNotFulfilled(t *testing.T) {
	req := request("tenant-a")
	req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	name := ClusterName("tenant-a", id)
	c := newCluster(req, name, clusterv1.Topology{ClassRef: clusterv1.ClusterClassRef{Name: "demo", Namespace: inv}, Version: "v1.33.0"})
	c.Generation = 2
	c.Status.Conditions = []metav1.Condition{
		cond(clusterv1.ClusterInfrastructureReadyCondition, "True", "Ready", 2),
		cond(clusterv1.ClusterControlPlaneAvailableCondition, "True", "Available", 2),
		cond(clusterv1.ClusterWorkersAvailableCondition, "True", "Available", 2),
		cond(clusterv1.ClusterTopologyReconciledCondition, "True", "ReconcileSucceeded", 2),
		cond(clusterv1.DeletingCondition, "True", "WaitingForWorkersDeletion", 2),
	}
	deleted := metav1.NewTime(now)
	c.DeletionTimestamp = &deleted
	dm := &v1alpha1.DeploymentManager{Spec: v1alpha1.DeploymentManagerSpec{DeploymentManagerID: "dm-1"},
		Status: v1alpha1.DeploymentManagerStatus{OperationalState: v1alpha1.OperationalStateEnabled}}
	o := observation{req: req, clusterName: name, cluster: c, member: &member{name: name, dm: dm}}
	st, _ := statusOf(o, now)
	f := meta.FindStatusCondition(st.Conditions, ConditionFulfilled)
	if st.ProvisioningPhase != v1alpha1.ProvisioningPhaseProgressing || f == nil || f.Reason != ReasonClusterDeleting ||
		!strings.Contains(st.Message, "WaitingForWorkersDeletion") && !strings.Contains(st.Message, "being deleted") ||
		st.NodeClusterProvisioningStatus.ResourceProvisioningPhase != v1alpha1.ResourceProvisioningPhaseProcessing {
		t.Errorf("Cluster %s being deleted: request %s %q, Fulfilled %+v, nodeCluster %s", name, st.ProvisioningPhase, st.Message, f,
			st.NodeClusterProvisioningStatus.ResourceProvisioningPhase)
	}
}

// TestRegressionDeletingRequestReadsFulfilled: a DELETE of a FULFILLED request made it
// DELETING but left its conditions as they were (deriveStatus gave no steps while deleting):
// Fulfilled and InInventory stayed True while Cluster API tore the cluster down, and after its
// member had left the inventory, so whoever reads conditions (kubectl wait
// --for=condition=Fulfilled, an SMO's client) read a request being deleted as fulfilled, its
// cluster in the inventory. Fulfilled is False, reason Deleting, now, and the other steps
// follow the Cluster and its member as they go.
func TestRegressionDeletingRequestReadsFulfilled(t *testing.T) {
	built, c, dm, res := fulfilledRequest(t)
	built.DeletionTimestamp = &metav1.Time{Time: now}
	g := newFixture(t, []*clusterv1.Cluster{c}, built, template("v1.33.0"), dm, res)
	if err := g.r.reconcile(context.Background(), "tenant-a/"+id); err != nil {
		t.Fatal(err)
	}
	deleting := g.request(t, "tenant-a")
	check := func(when string, st v1alpha1.ProvisioningRequestStatus) {
		t.Helper()
		f := meta.FindStatusCondition(st.Conditions, ConditionFulfilled)
		if st.ProvisioningPhase != v1alpha1.ProvisioningPhaseDeleting || f == nil || f.Status != metav1.ConditionFalse || f.Reason != ReasonDeleting {
			t.Errorf("%s: request %s, Fulfilled %+v; want DELETING, Fulfilled False reason %s", when, st.ProvisioningPhase, f, ReasonDeleting)
		}
	}
	check("Cluster deletion asked", deleting.Status)

	// Cluster API tears the cluster down; its member has left the inventory.
	gone := c.DeepCopy()
	gone.DeletionTimestamp = &metav1.Time{Time: now}
	gone.Status.Conditions = append(gone.Status.Conditions, cond(clusterv1.DeletingCondition, "True", "WaitingForWorkersDeletion", c.Generation))
	h := newFixture(t, []*clusterv1.Cluster{gone}, deleting, template("v1.33.0"))
	if err := h.r.reconcile(context.Background(), "tenant-a/"+id); err != nil {
		t.Fatal(err)
	}
	st := h.request(t, "tenant-a").Status
	check("Cluster being deleted, member gone", st)
	if meta.IsStatusConditionTrue(st.Conditions, ConditionInInventory) {
		t.Errorf("member gone from the inventory, InInventory %+v", meta.FindStatusCondition(st.Conditions, ConditionInInventory))
	}
}
