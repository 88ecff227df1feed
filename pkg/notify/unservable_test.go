package notify

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionUnservableUpdateKeepsTheQueue: an update the notifier cannot compile (here a
// notification-version annotation that is not a served version, stored before the API server
// checked it) stopped the subscription's worker and deleted its queue, as a deletion does:
// every undelivered notification was lost, uncounted. Now the queue stays for the corrected
// subscription (same uid).
func TestRegressionUnservableUpdateKeepsTheQueue(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newSetFixture(t)
	store := f.store
	// The callback is down: what is queued stays queued.
	down := refusingCallback(t, nil)
	obj := &v1alpha1.InventorySubscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "s", UID: "uid-s", ResourceVersion: "10"},
		Spec:       v1alpha1.InventorySubscriptionSpec{Callback: down.URL, Subscriber: &v1alpha1.SubscriberInfo{Username: "smo"}},
	}
	kind := &subscriptionKind{family: inventoryFamily, name: "InventorySubscription", queues: "regression",
		get: func(string, string) (*subscriptionObject, error) { return inventorySubscription(obj), nil }}
	set := f.set(t, kind, authorizerfactory.NewAlwaysAllowAuthorizer())
	set.sync(ctx, "tenant-a/s")
	if set.workers["tenant-a/s"] == nil {
		t.Fatal("no worker for a valid subscription")
	}
	// A notification waits in its queue (its callback is down, say).
	if _, err := store.Commit(ctx, Change{Kind: "replay", Key: "tenant-a/s", Items: []Item{{SubscriptionUID: "uid-s",
		NotificationID: "n1", Body: []byte(`{"notificationId":"n1"}`), Observed: time.Now()}}}); err != nil {
		t.Fatal(err)
	}

	// kubectl annotate ... o2ims.oran.org/notification-version=v2 (a typo), then fixed.
	broken := obj.DeepCopy()
	broken.ResourceVersion = "11"
	broken.Annotations = map[string]string{v1alpha1.AnnotationNotificationVersion: "v2"}
	obj = broken
	set.sync(ctx, "tenant-a/s")
	fixed := obj.DeepCopy()
	fixed.ResourceVersion = "12"
	fixed.Annotations[v1alpha1.AnnotationNotificationVersion] = "2"
	obj = fixed
	set.sync(ctx, "tenant-a/s")
	defer func() {
		if w := set.workers["tenant-a/s"]; w != nil {
			w.halt()
		}
	}()

	if d, err := store.Depth(ctx, "uid-s"); err != nil || d != 1 {
		t.Errorf("queue of the same subscription (same uid) after a bad then a corrected update holds %d (%v), want 1: the undelivered notification was deleted", d, err)
	}
}
