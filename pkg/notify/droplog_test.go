package notify

import (
	"strconv"
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
	logged := captureLog(t, "Subscription queue full")

	r := newReplayRig(t)
	_, w := r.subscribe(t, "s1", "", "0")
	w.synced = true
	r.evictEveryCommit(1) // the queue is at its bound: each new entry evicts the oldest
	const changes = 200
	for rv := 1; rv <= changes; rv++ {
		r.change(t, rv, false)
	}
	if logged := logged(); logged != 1 {
		t.Errorf("%d changes each evicting one notification of one subscription wrote %d lines of the default log, want 1", changes, logged)
	}
	if got := w.stats.snapshot().Dropped; got != changes {
		t.Fatalf("status.dropped = %d, want %d", got, changes)
	}
}

// TestRegressionManySubscriptionsDropLinesBounded: the interval per subscription alone let a
// tenant holding many subscriptions whose callbacks are dead write a line per subscription at
// each change once a minute (up to 4,000 lines a minute with the namespace's 1,000 of each of
// four kinds). Now all subscriptions' drop lines share one bound (dropLinesBurst at once, one
// per dropLinesEvery), and a subscription refused a line keeps its count for the next.
func TestRegressionManySubscriptionsDropLinesBounded(t *testing.T) {
	logged := captureLog(t, "Subscription queue full")

	r := newReplayRig(t)
	r.n.delivery.dropLines = newDropLines()
	const subs = 10 * dropLinesBurst
	workers := make([]*worker, 0, subs)
	for i := range subs {
		_, w := r.subscribe(t, "s"+strconv.Itoa(i), "", "0")
		w.synced = true
		workers = append(workers, w)
	}
	r.evictEveryCommit(1)
	r.change(t, 1, false)
	lines := logged()
	// A second or so may pass while the change is handed to every subscription: one more line.
	if lines < dropLinesBurst || lines > dropLinesBurst+2 {
		t.Errorf("one change evicting one notification of each of %d subscriptions wrote %d lines, want %d (the shared burst)", subs, lines, dropLinesBurst)
	}
	kept := 0
	for _, w := range workers {
		if w.stats.snapshot().Dropped != 1 {
			t.Errorf("status.dropped of %s = %d, want 1", w.sub.Load().Key(), w.stats.snapshot().Dropped)
		}
		w.stats.mu.Lock()
		if w.stats.unlogged == 1 {
			kept++
		}
		w.stats.mu.Unlock()
	}
	if kept != subs-lines {
		t.Errorf("%d subscriptions kept their unlogged drop for their next line, want %d", kept, subs-lines)
	}
}

// captureLog sends klog's lines to the test until it ends, and returns a function that counts
// those containing what. klog's logger is global: the notifier logs through klog.InfoS; no
// test of this package runs in parallel, so redirecting it for one is safe.
func captureLog(t *testing.T, what string) func() int {
	var (
		mu    sync.Mutex
		lines []string
	)
	klog.SetLogger(funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, args)
	}, funcr.Options{}))
	t.Cleanup(klog.ClearLogger)
	return func() int {
		klog.Flush()
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, l := range lines {
			if strings.Contains(l, what) {
				n++
			}
		}
		return n
	}
}
