package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionFixedCallbackIsTriedAtOnce: an SMO whose callback was down (or mistyped)
// corrected spec.callback; the notifier went on waiting out the backoff it had reached for the
// old one (up to --notifier-retry-max, 5 minutes by default) before it tried the new one, and
// every notification queued meanwhile waited with it. A subscription changed to deliver
// elsewhere is tried at once.
func TestRegressionFixedCallbackIsTriedAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newSetFixture(t)
	refused := make(chan struct{}, 16)
	down := refusingCallback(t, refused)
	received := make(chan struct{}, 16)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		received <- struct{}{}
	}))
	defer up.Close()
	obj := &v1alpha1.InventorySubscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "s", UID: "uid-s", ResourceVersion: "10"},
		Spec:       v1alpha1.InventorySubscriptionSpec{Callback: down.URL, Subscriber: &v1alpha1.SubscriberInfo{Username: "smo"}},
	}
	var current atomic.Pointer[v1alpha1.InventorySubscription]
	current.Store(obj)
	kind := &subscriptionKind{family: inventoryFamily, name: "InventorySubscription", queues: "retarget",
		get: func(string, string) (*subscriptionObject, error) { return inventorySubscription(current.Load()), nil }}
	// The fixture's backoff is an hour: only the change of callback may end it.
	set := f.set(t, kind, authorizerfactory.NewAlwaysAllowAuthorizer())
	// A notification waits in the queue when the worker starts.
	if _, err := f.store.Commit(ctx, Change{Kind: "retarget", Key: "tenant-a/s", Items: []Item{{SubscriptionUID: "uid-s",
		NotificationID: "n1", Body: []byte(`{"notificationId":"n1"}`), Observed: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	set.sync(ctx, "tenant-a/s")
	w := set.workers["tenant-a/s"]
	if w == nil {
		t.Fatal("no worker for a valid subscription")
	}
	defer w.halt()
	select {
	case <-refused:
	case <-time.After(30 * time.Second):
		t.Fatal("the notification was never tried")
	}

	// kubectl patch ... spec.callback: the corrected one.
	fixed := obj.DeepCopy()
	fixed.ResourceVersion, fixed.Spec.Callback = "11", up.URL
	current.Store(fixed)
	set.sync(ctx, "tenant-a/s")
	select {
	case <-received:
	case <-time.After(30 * time.Second):
		t.Fatal("the corrected callback was not tried before the old one's backoff (an hour) ran out")
	}

	// A change that delivers the same way (a label) does not cut a backoff short.
	relabelled := fixed.DeepCopy()
	relabelled.ResourceVersion, relabelled.Labels = "12", map[string]string{"team": "ran"}
	current.Store(relabelled)
	set.sync(ctx, "tenant-a/s")
	if len(w.retry) != 0 {
		t.Error("a change that left the callback and Secret alone asked for a retry")
	}
}
