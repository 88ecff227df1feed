package notify

import (
	"fmt"
	"testing"
	"time"
)

// TestRegressionStatusQueueFairAcrossTenants is the regression test for one tenant's
// subscriptions delaying every other tenant's status: a kind's set writes the status of its
// subscriptions (status.failing, dropped, the queue depth) with one worker, from one queue, in
// arrival order, so a tenant whose thousand subscriptions all failed at once put a thousand
// status writes ahead of another tenant's one. The statuses, like the subscription syncs, are
// handed out in turns by namespace.
func TestRegressionStatusQueueFairAcrossTenants(t *testing.T) {
	kind := &subscriptionKind{family: inventoryFamily, name: "InventorySubscription", queues: "fairness"}
	s := newSubscriptions(kind, "o2ims-system", deliveryConfig{}, nil, time.Second)
	t.Cleanup(s.shutDownQueues)

	for name, q := range map[string]interface {
		Add(string)
		Get() (string, bool)
		Done(string)
	}{"status": s.statuses, "sync": s.syncs} {
		for i := range 100 {
			q.Add(fmt.Sprintf("tenant-noisy/s%d", i))
		}
		q.Add("tenant-quiet/s")
		first, _ := q.Get()
		q.Done(first)
		second, _ := q.Get()
		q.Done(second)
		if second != "tenant-quiet/s" {
			t.Errorf("%s queue: after %s came %s, want tenant-quiet/s (its turn)", name, first, second)
		}
	}
}
