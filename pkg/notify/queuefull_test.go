package notify

import (
	"context"
	"testing"

	compbasemetrics "k8s.io/component-base/metrics"
)

// TestQueueBoundsReported: what a commit reports as dropped by the queues' bounds (the oldest
// evicted, or the new notification refused as larger than a whole queue) is counted in
// netweave_notifier_dropped_total and in the subscription's status.dropped, the status is
// written soon (like a failure), and a worker whose queue lost entries reads it again instead
// of delivering from memory what Redis no longer has. The store's side, on a real Redis, is
// test/integration TestNotifierQueue*.
func TestQueueBoundsReported(t *testing.T) {
	r := newReplayRig(t)
	m, err := newMetrics(compbasemetrics.NewKubeRegistry())
	if err != nil {
		t.Fatal(err)
	}
	r.n.delivery.metrics = m
	var urgent []string
	r.n.delivery.changed = func(key string, u bool) {
		if u {
			urgent = append(urgent, key)
		}
	}
	_, w := r.subscribe(t, "s1", "", "0")
	_, quiet := r.subscribe(t, "s2", "", "0")
	w.synced, quiet.synced = true, true
	// s1's queue is full at the first change (3 evicted), and its notification of the second
	// is larger than a whole queue; s2's stays under its bounds.
	plan := []Queued{{Evicted: 3}, {Evicted: -1}}
	commit := r.n.commit
	r.n.commit = func(ctx context.Context, c Change) ([]Queued, error) {
		q, err := commit(ctx, c)
		for i, it := range c.Items {
			if it.SubscriptionUID != "s1" || len(plan) == 0 {
				continue
			}
			if p := plan[0]; p.Evicted < 0 {
				q[i] = Queued{}
			} else {
				q[i].Evicted = p.Evicted
			}
			plan = plan[1:]
		}
		return q, err
	}
	r.change(t, 1, false)
	r.change(t, 2, false)

	count := func(reason string) float64 { return droppedTotal(t, r.n.delivery.metrics, reason) }
	if got := count(dropQueueFull); got != 3 {
		t.Errorf("dropped_total{reason=queue_full} = %v, want 3", got)
	}
	if got := count(dropTooLarge); got != 1 {
		t.Errorf("dropped_total{reason=too_large} = %v, want 1", got)
	}
	if got := w.stats.snapshot().Dropped; got != 4 {
		t.Errorf("status.dropped of the full queue = %d, want 4", got)
	}
	if got := quiet.stats.snapshot().Dropped; got != 0 {
		t.Errorf("status.dropped of a queue under its bounds = %d, want 0", got)
	}
	if len(urgent) != 2 || urgent[0] != "ns/s1" || urgent[1] != "ns/s1" {
		t.Errorf("urgent status writes %v, want s1 twice (eviction, refusal)", urgent)
	}
	// s1 lost entries: it reads Redis, and the refused notification was never handed over.
	if !w.mustRead() {
		t.Error("a worker whose queue was trimmed must read it again")
	}
	w.mu.Lock()
	for _, e := range w.pending {
		if e.StreamID == "" {
			t.Error("a refused notification was handed to the worker")
		}
	}
	w.mu.Unlock()
	if quiet.mustRead() {
		t.Error("a worker whose queue was untouched must keep delivering from memory")
	}
	quiet.mu.Lock()
	if len(quiet.pending) != 2 || quiet.pending[0].StreamID == "" {
		t.Errorf("untouched worker holds %d entries, want 2", len(quiet.pending))
	}
	quiet.mu.Unlock()
}
