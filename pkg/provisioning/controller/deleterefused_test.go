package controller

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionRefusedClusterDeleteIsNotInTheStatus (found by review): a DELETE of a FULFILLED request whose
// Cluster the management cluster refuses to delete (an admission policy protecting Clusters,
// RBAC) returned before the status was written: the request kept saying FULFILLED, "cluster
// ... is ready", with no word of the deletion or why it does not proceed, retried with backoff
// forever. It is DELETING now, quoting the refusal, and still retried.
func TestRegressionRefusedClusterDeleteIsNotInTheStatus(t *testing.T) {
	built, c, dm, res := fulfilledRequest(t)
	built.DeletionTimestamp = &metav1.Time{Time: now}
	g := newFixture(t, []*clusterv1.Cluster{c}, built, template("v1.33.0"), dm, res)
	refuseClusters(g, "delete", apierrors.NewForbidden(schema.GroupResource{Group: "cluster.x-k8s.io", Resource: "clusters"}, c.Name,
		errors.New("policy protect-clusters: Clusters may not be deleted")))
	err := g.r.reconcile(context.Background(), "tenant-a/"+id)
	if err == nil {
		t.Error("a refused delete is not retried")
	}
	got := g.request(t, "tenant-a").Status
	if got.ProvisioningPhase != v1alpha1.ProvisioningPhaseDeleting || !strings.Contains(got.Message, "may not be deleted") {
		t.Errorf("request being deleted whose Cluster's deletion is refused: %s %q; want DELETING saying why", got.ProvisioningPhase, got.Message)
	}

	// Outside the provisioning namespaces (read live) it is said the same way, not as a read
	// netweave may not make.
	gone := request("tenant-gone")
	gone.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	gone.DeletionTimestamp = &metav1.Time{Time: now}
	owned := newCluster(gone, ClusterName("tenant-gone", id), clusterv1.Topology{Version: "v1.33.0"})
	h := newFixture(t, []*clusterv1.Cluster{owned}, gone)
	refuseClusters(h, "delete", apierrors.NewForbidden(schema.GroupResource{Group: "cluster.x-k8s.io", Resource: "clusters"}, owned.Name,
		errors.New("policy protect-clusters: Clusters may not be deleted")))
	if err := h.r.reconcile(context.Background(), "tenant-gone/"+id); err == nil {
		t.Error("a refused delete outside the provisioning namespaces is not retried")
	}
	got = h.request(t, "tenant-gone").Status
	if got.ProvisioningPhase != v1alpha1.ProvisioningPhaseDeleting || !strings.Contains(got.Message, "may not be deleted") {
		t.Errorf("outside the provisioning namespaces: %s %q; want DELETING saying the delete is refused", got.ProvisioningPhase, got.Message)
	}
}
