package notify

import (
	"fmt"
	"testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionUnsyncedWorkerHoldsNoHandoff is the regression test for a notifier whose memory
// grew with the subscriptions whose callbacks did not answer: once a worker overflowed its
// hand-off (or was told to resync) it must read its queue from Redis before it trusts the
// hand-off again, yet it kept taking the bodies of every new commit into memory, up to
// maxPendingBytes, overflowed, and started over. Those bodies are never delivered from memory
// (the read returns them from Redis), so a subscription stuck on a blackholed callback held up
// to 1 MiB of them for as long as it was stuck, times every such subscription a tenant made.
func TestRegressionUnsyncedWorkerHoldsNoHandoff(t *testing.T) {
	w := newWorker(&deliveryConfig{}, &Subscription{}, v1alpha1.InventorySubscriptionStatus{})
	body := make([]byte, 1024)

	// Never read yet: nothing handed over is kept.
	w.handoff(Entry{StreamID: "1-1", Body: body})
	if len(w.pending) != 0 || w.pendingBytes != 0 {
		t.Fatalf("a worker that never read its queue holds %d entries of %d bytes, want none", len(w.pending), w.pendingBytes)
	}

	// Synced, it holds what it is handed; after a resync it holds nothing more.
	w.synced = true
	w.handoff(Entry{StreamID: "1-2", Body: body})
	if len(w.pending) != 1 {
		t.Fatalf("a synced worker holds %d entries, want 1", len(w.pending))
	}
	w.resync()
	for i := 3; i < 100; i++ {
		w.handoff(Entry{StreamID: fmt.Sprintf("1-%d", i), Body: body})
	}
	if len(w.pending) != 0 || w.pendingBytes != 0 {
		t.Fatalf("a worker due to read its queue holds %d entries of %d bytes, want none", len(w.pending), w.pendingBytes)
	}
	if _, _, read := w.next("1-2"); !read {
		t.Fatal("after a resync the worker must read its queue")
	}
}
