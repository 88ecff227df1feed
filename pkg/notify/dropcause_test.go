package notify

import (
	"errors"
	"testing"
	"time"

	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"
)

// droppedTotal is netweave_notifier_dropped_total{reason} over both callback states.
func droppedTotal(t *testing.T, m *metrics, reason string) float64 {
	t.Helper()
	return droppedCount(t, m, reason, callbackFailing) + droppedCount(t, m, reason, callbackAnswering)
}

func droppedCount(t *testing.T, m *metrics, reason, callback string) float64 {
	t.Helper()
	v, err := testutil.GetCounterMetricValue(m.dropped.WithLabelValues(reason, callback))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRegressionTenantsDeadCallbackFiredOperatorsCriticalAlerts: one tenant's subscription to a
// receiver that is down (or that never answers) has its queue overflow and its notifications
// expire, which counted in netweave_notifier_dropped_total exactly like drops of a subscription
// whose callback answers, and so kept NetweaveNotificationsDropped and
// NetweaveNotificationsExpired (critical) firing for as long as the tenant liked: the operator
// was paged for a tenant's receiver, and a drop netweave caused for anyone else raised nothing
// new. Drops now say what the subscription's callback was doing (its last POST failed or not),
// and the chart's critical alerts count only the answering ones.
func TestRegressionTenantsDeadCallbackFiredOperatorsCriticalAlerts(t *testing.T) {
	r := newReplayRig(t)
	m, err := newMetrics(compbasemetrics.NewKubeRegistry())
	if err != nil {
		t.Fatal(err)
	}
	r.n.delivery.metrics = m
	_, dead := r.subscribe(t, "dead", "", "0")
	_, live := r.subscribe(t, "live", "", "0")
	dead.synced, live.synced = true, true
	dead.stats.failure(time.Now(), errors.New("dial tcp: connection refused"))
	// Both queues are full at the change: two of each evicted.
	r.evictEveryCommit(2)
	r.change(t, 1, false)

	if got := droppedCount(t, m, dropQueueFull, callbackFailing); got != 2 {
		t.Errorf("queue_full drops of the subscription whose callback fails: %v counted as failing, want 2", got)
	}
	if got := droppedCount(t, m, dropQueueFull, callbackAnswering); got != 2 {
		t.Errorf("queue_full drops of the subscription whose callback answers: %v counted as answering, want 2", got)
	}
	if got, want := dead.stats.snapshot().Dropped, int64(2); got != want {
		t.Errorf("status.dropped of the failing subscription = %d, want %d", got, want)
	}
}
