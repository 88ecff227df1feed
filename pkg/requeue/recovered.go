package requeue

import (
	"context"
	"fmt"
	"runtime/debug"

	"k8s.io/klog/v2"
)

// Recovered runs one reconciliation of a key, with a panic turned into its error (the stack
// logged), as controller-runtime does for its reconcilers, so that the caller retries the key
// with backoff like any other failure.
//
// client-go's convention is to let a controller's panic end the process, which a controller
// manager's restart makes cheap. In netweave the controllers share their process with the
// aggregated API server and the O2 face: one object a panic trips on (a tenant's chart, a
// member cluster's node, an alert's labels) would take every tenant's API down with it, again
// after each restart for as long as the object stays. Retried instead, it costs its own key.
func Recovered(ctx context.Context, reconcile func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("reconcile panicked: %v", r)
			klog.FromContext(ctx).Error(err, "Reconcile panicked; retrying with backoff", "stack", string(debug.Stack()))
		}
	}()
	return reconcile()
}
