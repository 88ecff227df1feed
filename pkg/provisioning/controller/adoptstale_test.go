package controller

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// TestRegressionDeleteRightAfterAdoptionKeepsTheCluster (found by review): a request submitted
// again after a store wipe adopts its Cluster (relabelled with its uid). DELETEd before the
// controller's Cluster cache has seen that relabel, the cache still shows the Cluster labelled
// for the lost request: the reconcile took it for somebody else's (ClusterNotOwned), skipped
// the live read a Cluster missing from the cache gets, and removed the finalizer at once. The
// request was gone and its Cluster left running, counted orphaned, never torn down, although
// the SMO had just asked for it to go. The live copy now decides, as for a create the cache has
// not seen: the Cluster is deleted and the request waits for it.
func TestRegressionDeleteRightAfterAdoptionKeepsTheCluster(t *testing.T) {
	req := request("tenant-a")
	req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	req.DeletionTimestamp = &metav1.Time{Time: now}
	adopted := lostRequestCluster("demo")
	adopted.Labels[v1alpha1.LabelProvisioningRequestUID] = string(req.UID)
	adopted.Annotations = map[string]string{v1alpha1.AnnotationPreviousRequestUID: "uid-0"}
	f := newFixture(t, []*clusterv1.Cluster{adopted}, req, template("v1.33.0"))
	// The controller's cache is behind: it still has the Cluster as the lost request's.
	behind := newFixture(t, []*clusterv1.Cluster{lostRequestCluster("demo")})
	f.r.clusters = behind.r.clusters
	f.r.orphans = newOrphans(nil)
	f.reconcile(t, "tenant-a")
	if _, err := f.dyn.Resource(clusterapi.Clusters).Namespace("tenant-a").Get(t.Context(), adopted.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the deleted request's adopted Cluster was not deleted: %v", err)
	}
	if got := f.request(t, "tenant-a"); len(got.Finalizers) != 1 || got.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseDeleting {
		t.Errorf("request released before its adopted Cluster was gone: finalizers %v, phase %s %q",
			got.Finalizers, got.Status.ProvisioningPhase, got.Status.Message)
	}
}
