package controller

import (
	"context"
	"sync"

	"k8s.io/klog/v2"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/provisioning"
)

// orphans are the Clusters the controller created whose request is gone from the store, for
// one leader term: each is logged once when it is first seen so and counted in
// netweave_provisioning_orphaned_clusters, until its request is back (adoption) or the Cluster
// is deleted. The controller never deletes a Cluster because its request is gone: it is a real
// cluster, perhaps with workloads, and only its request's DELETE says it may go.
type orphans struct {
	metrics *provisioning.Metrics
	mu      sync.Mutex
	// keys are the orphaned Clusters' namespace/name.
	keys map[string]struct{}
}

func newOrphans(m *provisioning.Metrics) *orphans {
	return &orphans{metrics: m, keys: map[string]struct{}{}}
}

// observe records whether the Cluster key (c, when it exists) is orphaned now.
func (o *orphans) observe(ctx context.Context, key string, orphan bool, c *clusterv1.Cluster) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	_, was := o.keys[key]
	switch {
	case orphan && !was:
		o.keys[key] = struct{}{}
		klog.FromContext(ctx).Info("Cluster netweave created has no request; kept",
			"cluster", key, "provisioningRequest", c.Labels[v1alpha1.LabelProvisioningRequest],
			"requestUID", c.Labels[v1alpha1.LabelProvisioningRequestUID],
			"hint", "the store lost the request (or its finalizer was removed); submit it again with the same id and template to adopt the Cluster, or delete the Cluster")
	case !orphan && was:
		delete(o.keys, key)
		klog.FromContext(ctx).Info("Cluster no longer orphaned", "cluster", key)
	default:
		return
	}
	o.metrics.SetOrphaned(len(o.keys))
}

// reset forgets every orphan at the end of a leader term: the next leader counts its own.
func (o *orphans) reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.keys)
	o.metrics.SetOrphaned(0)
}
