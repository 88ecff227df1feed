package notify

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr/funcr"
	"k8s.io/klog/v2"
)

// TestRegressionFullQueueLogsEveryDrop: a subscription whose callback does not answer has a
// full queue, and from then on every change it matches evicts its oldest notification. Each
// eviction was a line of netweave's log at the default verbosity, per subscription: a tenant
// holding its namespace's 1,000 subscriptions of a kind with such a callback made netweave
// write a thousand lines for each change it matched (its own writes included), without bound,
// where the count is already in status.dropped and netweave_notifier_dropped_total. Now a
// subscription's drops are logged at most once per dropLogInterval, with how many there were.
func TestRegressionFullQueueLogsEveryDrop(t *testing.T) {
	var (
		mu    sync.Mutex
		lines []string
	)
	// klog's global logger: the notifier logs through klog.InfoS. No test of this package
	// runs in parallel, so redirecting it for this one is safe.
	klog.SetLogger(funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, args)
	}, funcr.Options{}))
	defer klog.ClearLogger()

	r := newReplayRig(t)
	_, w := r.subscribe(t, "s1", "", "0")
	w.synced = true
	commit := r.n.commit
	r.n.commit = func(ctx context.Context, c Change) ([]Queued, error) {
		q, err := commit(ctx, c)
		for i := range q {
			q[i].Evicted = 1 // the queue is at its bound: each new entry evicts the oldest
		}
		return q, err
	}
	const changes = 200
	for rv := 1; rv <= changes; rv++ {
		r.change(t, rv, false)
	}
	klog.Flush()

	mu.Lock()
	defer mu.Unlock()
	logged := 0
	for _, l := range lines {
		if strings.Contains(l, "Subscription queue full") {
			logged++
		}
	}
	if got := w.stats.snapshot().Dropped; got != changes {
		t.Fatalf("status.dropped = %d, want %d", got, changes)
	}
	if logged != 1 {
		t.Errorf("%d changes each evicting one notification of one subscription wrote %d lines of the default log, want 1", changes, logged)
	}
}
