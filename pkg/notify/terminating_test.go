package notify

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionTerminatingSubscriptionStillNotified: a subscription deleted while a finalizer
// held it (a namespace admin's, or a foreground deletion's) stayed in the store with its
// deletionTimestamp set, and the notifier went on serving it: the SMO had been answered 200 to
// its DELETE and its callback kept receiving notifications, from a queue nobody would ever
// drop. The update that set the deletionTimestamp was even taken for one of the notifier's own
// status writes and not looked at. A subscription being deleted is now served no more, and its
// queue is dropped.
func TestRegressionTerminatingSubscriptionStillNotified(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newSetFixture(t)
	held := unansweredSubscription("ns", "s")
	held.Finalizers = []string{"example.com/hold"}
	stored := newStoredSubscriptions(held)
	set := f.set(t, stored.kind("finding_terminating"), authorizerfactory.NewAlwaysAllowAuthorizer())
	set.sync(ctx, "ns/s")
	served := func() bool {
		set.mu.Lock()
		defer set.mu.Unlock()
		return set.workers["ns/s"] != nil
	}
	if !served() {
		t.Fatal("the subscription is not served")
	}
	if _, err := f.store.Commit(ctx, Change{Kind: "x", Items: []Item{{SubscriptionUID: "uid-s", NotificationID: "n1", Body: []byte(`{}`), Observed: time.Now()}}}); err != nil {
		t.Fatal(err)
	}

	var before, after *v1alpha1.InventorySubscription
	stored.edit("s", func(obj *v1alpha1.InventorySubscription) {
		before = obj.DeepCopy()
		now := metav1.Now()
		obj.DeletionTimestamp = &now
		after = obj.DeepCopy()
	})
	if statusOnly(before, after) {
		t.Error("the update that deleted the subscription is taken for a status write")
	}
	set.sync(ctx, "ns/s")
	if served() {
		t.Error("the subscription being deleted is still served")
	}
	if n, _ := f.rc.Exists(ctx, f.store.queueKey("uid-s")).Result(); n != 0 {
		t.Errorf("the deleted subscription's queue is still in Redis")
	}
}

// TestRegressionTerminatingSubscriptionQueueKeptAtTermStart: a subscription found being deleted
// (held by a finalizer) when a leader term starts is not served, but syncAll still counted it
// among the queues' owners, so dropOrphanQueues kept its queue; and as no worker was ever
// started for it, nothing dropped the queue when the object finally went either: it stayed in
// Redis until a later term.
func TestRegressionTerminatingSubscriptionQueueKeptAtTermStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newSetFixture(t)
	now := metav1.Now()
	held := unansweredSubscription("ns", "s")
	held.Finalizers, held.DeletionTimestamp = []string{"example.com/hold"}, &now
	set := f.set(t, newStoredSubscriptions(held).kind("finding_terminating_term"), authorizerfactory.NewAlwaysAllowAuthorizer())
	// Its queue, left by the previous term, which served it until the deletion.
	if _, err := f.store.Commit(ctx, Change{Kind: "x", Items: []Item{{SubscriptionUID: "uid-s", NotificationID: "n1", Body: []byte(`{}`), Observed: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	owners := map[string]bool{}
	if err := set.syncAll(ctx, owners); err != nil {
		t.Fatal(err)
	}
	if err := dropOrphanQueues(ctx, f.store, owners); err != nil {
		t.Fatal(err)
	}
	if set.workers["ns/s"] != nil {
		t.Error("the subscription being deleted is served")
	}
	if n, _ := f.rc.Exists(ctx, f.store.queueKey("uid-s")).Result(); n != 0 {
		t.Error("the queue of the subscription being deleted is kept at the start of the term")
	}
}
