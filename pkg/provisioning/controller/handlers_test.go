package controller

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionLabelledForeignClusterQueuesTheRequestOfItsName (found by review): a Cluster that holds the name
// of request id's Cluster but is labelled for another request (a copy of netweave's Cluster of
// another request, renamed) blocks request id (FAILED ClusterNotOwned, not retried). Its events
// queued only the request its label names, so when it was deleted request id was never
// reconciled and stayed FAILED, although docs/provisioning.md promises that once the foreign
// Cluster is deleted the request is reconciled at once and builds its own. Both are queued now.
func TestRegressionLabelledForeignClusterQueuesTheRequestOfItsName(t *testing.T) {
	const other = "0a1b2c3d-3f7e-4d7a-9a52-0c1d2e3f4a5b"
	ns, name := "tenant-a", ClusterName("tenant-a", id)
	c := &clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{
		v1alpha1.LabelManagedBy: v1alpha1.ManagedByProvisioning, v1alpha1.LabelProvisioningRequest: other}}}
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
	defer q.ShutDown()
	h := handlers{queue: q}
	h.cluster(cache.DeletedFinalStateUnknown{Key: ns + "/" + name, Obj: c})
	queued := map[string]bool{}
	for q.Len() > 0 {
		key, _ := q.Get()
		queued[key] = true
		q.Done(key)
	}
	if !queued[ns+"/"+id] {
		t.Errorf("deleting Cluster %s/%s (labelled for %s) queued %v, not the request %s/%s it blocked", ns, name, other, queued, ns, id)
	}
}
