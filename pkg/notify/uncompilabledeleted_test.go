package notify

import (
	"context"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/authorization/authorizerfactory"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionDeletedUnservableSubscriptionQueueDropped: a subscription that cannot be served
// (an annotation compile refuses) has its worker stopped and its queue kept for when it is
// corrected. Deleted instead, sync found no worker and dropped nothing: its queue (up to
// --notifier-queue-bytes) stayed in Redis, read by nobody, for the rest of the leader term.
func TestRegressionDeletedUnservableSubscriptionQueueDropped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newSetFixture(t)
	stored := newStoredSubscriptions(unansweredSubscription("ns", "s"))
	set := f.set(t, stored.kind("finding_unservable_deleted"), authorizerfactory.NewAlwaysAllowAuthorizer())
	set.sync(ctx, "ns/s")
	if _, err := f.store.Commit(ctx, Change{Kind: "x", Items: []Item{{SubscriptionUID: "uid-s", NotificationID: "n1", Body: []byte(`{}`), Observed: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	stored.edit("s", func(obj *v1alpha1.InventorySubscription) {
		obj.Annotations = map[string]string{v1alpha1.AnnotationNotificationVersion: "999"}
	})
	set.sync(ctx, "ns/s")
	if d, _ := f.store.Depth(ctx, "uid-s"); d != 1 {
		t.Fatalf("depth %d of the unservable subscription's queue, want 1 (kept)", d)
	}
	stored.remove("s")
	set.noteDeleted("ns/s", "uid-s")
	set.sync(ctx, "ns/s")
	if d, _ := f.store.Depth(ctx, "uid-s"); d != 0 {
		t.Errorf("the deleted subscription's queue still holds %d notifications", d)
	}
	if n, _ := f.rc.Exists(ctx, f.store.queueKey("uid-s")).Result(); n != 0 {
		t.Errorf("the deleted subscription's queue key is still in Redis")
	}
}
