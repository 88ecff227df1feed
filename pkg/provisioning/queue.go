package provisioning

import (
	"context"

	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/requeue"
)

// ProcessNext takes one key off q and reconciles it, with the key in the context's logger
// under logKey; a failed reconcile comes back with the queue's backoff. It reports false once
// the queue is shut down. Both provisioning controllers run their workers with it.
func ProcessNext(ctx context.Context, q workqueue.TypedRateLimitingInterface[string], logKey string,
	reconcile func(context.Context, string) error) bool {
	key, quit := q.Get()
	if quit {
		return false
	}
	defer q.Done(key)
	logger := klog.FromContext(ctx).WithValues(logKey, key)
	ctx = klog.NewContext(ctx, logger)
	if err := requeue.Recovered(ctx, func() error { return reconcile(ctx, key) }); err != nil {
		logger.Info("Reconcile failed; retrying with backoff", "err", err.Error(), "retries", q.NumRequeues(key))
		q.AddRateLimited(key)
		return true
	}
	q.Forget(key)
	return true
}
