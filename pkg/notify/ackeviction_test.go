package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	compbasemetrics "k8s.io/component-base/metrics"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionDeliveredNotificationsAreNotCountedAsQueueFullDrops: a delivered (or expired)
// notification stays in its queue until the acknowledger removes it, a pipeline later. A
// commit that found the queue at its bound evicted those first (they are the oldest) and
// reported them as dropped: netweave_notifier_dropped_total{reason="queue_full"} and
// status.dropped counted notifications the callback had accepted, and counted an expired one
// a second time. Only undelivered notifications count as dropped now.
func TestRegressionDeliveredNotificationsAreNotCountedAsQueueFullDrops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newSetFixture(t)
	m, err := newMetrics(compbasemetrics.NewKubeRegistry())
	if err != nil {
		t.Fatal(err)
	}
	// Two entries at most; the acknowledger does not run, so what was delivered or expired
	// waits in the queue for its removal, as it does between two of its pipelines.
	store := f.store.WithQueueLimits(QueueLimits{Length: 2})
	f.delivery.store, f.delivery.metrics, f.delivery.maxAge = store, m, time.Minute
	posted := make(chan string, 16)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posted <- r.Header.Get("X-O2IMS-Notification-ID")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer cb.Close()

	n := &Notifier{store: store, commit: store.Commit, delivery: f.delivery,
		vis: newVisibility(authorizerfactory.NewAlwaysAllowAuthorizer(), nil), hist: newHistory(historySize, historyBytes, historyAge)}
	set := &subscriptions{workers: map[string]*worker{}, delivery: n.delivery}
	n.subs[inventoryFamily] = set
	sub := compile(t, "", 1)
	sub.UID, sub.Callback = "u1", cb.URL
	w := newWorker(n.delivery, sub, v1alpha1.InventorySubscriptionStatus{})
	n.admit(ctx, w, "0", func() { set.insert(sub.Key(), w) })
	w.start(ctx)
	defer w.halt()

	change := func(rv int, observed time.Time) string {
		t.Helper()
		o := pool("d" + strconv.Itoa(rv))
		o.ResourceVersion = strconv.Itoa(rv)
		ev := event(Modify, pool("before"), o)
		ev.Observed = observed
		if err := n.emit(ctx, ev, []byte("{}"), ""); err != nil {
			t.Fatal(err)
		}
		return NotificationID(sub.UID, ev)
	}
	delivered := func(id string) {
		t.Helper()
		select {
		case got := <-posted:
			if got != id {
				t.Fatalf("POSTed %s, want %s", got, id)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s not POSTed", id)
		}
	}
	// 1 is older than the maximum age: dropped as expired, not POSTed. 2 is delivered, so 1
	// is behind the worker when 3 evicts it; 3 is delivered, so 2 is when 4 evicts it.
	change(1, time.Now().Add(-time.Hour))
	delivered(change(2, time.Now()))
	delivered(change(3, time.Now()))
	delivered(change(4, time.Now()))

	count := func(reason string) float64 { return droppedTotal(t, m, reason) }
	if got := count(dropQueueFull); got != 0 {
		t.Errorf("dropped_total{reason=queue_full} = %v, want 0: only notifications already delivered or expired were evicted", got)
	}
	if got := count(dropExpired); got != 1 {
		t.Errorf("dropped_total{reason=expired} = %v, want 1", got)
	}
	if got := w.stats.snapshot().Dropped; got != 1 {
		t.Errorf("status.dropped = %d, want 1 (the expired one, once)", got)
	}
}
