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
