package provisioning

import (
	"context"
	"testing"

	"k8s.io/client-go/util/workqueue"

	"github.com/netweave-io/netweave/pkg/requeue"
)

// TestPanicInReconcileIsRetried: both provisioning controllers reconcile what tenants write
// (requests and their parameters, templates); a panic on one must cost that key a retry with
// backoff, not end the process that serves every tenant's API.
func TestPanicInReconcileIsRetried(t *testing.T) {
	q := workqueue.NewTypedRateLimitingQueue(requeue.RateLimiter[string]())
	t.Cleanup(q.ShutDown)
	q.Add("tenant-a/req")
	if !ProcessNext(context.Background(), q, "provisioningRequest", func(context.Context, string) error {
		panic("index out of range")
	}) {
		t.Fatal("the worker stopped")
	}
	if n := q.NumRequeues("tenant-a/req"); n != 1 {
		t.Errorf("the key was requeued %d times after the panic, want 1 (retried with backoff)", n)
	}
}
