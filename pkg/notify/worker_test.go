package notify

import (
	"testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

func TestStreamAfter(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"1-0", "", true},
		{"2-0", "1-5", true},
		{"10-0", "9-0", true},
		{"1-10", "1-9", true},
		{"1-9", "1-9", false},
		{"1-9", "1-10", false},
		{"9-0", "10-0", false},
	} {
		if got := streamAfter(c.a, c.b); got != c.want {
			t.Errorf("streamAfter(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestWorkerHandoff(t *testing.T) {
	w := newWorker(&deliveryConfig{}, &Subscription{}, v1alpha1.InventorySubscriptionStatus{})
	if _, _, read := w.next(""); !read {
		t.Fatal("a worker that never read its queue must read it")
	}
	w.synced = true
	// 1-1 was both read from Redis and handed over: delivered once.
	w.handoff(Entry{StreamID: "1-1"})
	w.handoff(Entry{StreamID: "1-2"})
	e, ok, read := w.next("1-1")
	if !ok || read || e.StreamID != "1-2" {
		t.Fatalf("next = %+v %v %v, want 1-2", e, ok, read)
	}
	if _, ok, read := w.next("1-2"); ok || read {
		t.Fatal("nothing more expected")
	}
	w.handoff(Entry{StreamID: "1-3"})
	w.resync()
	if _, _, read := w.next("1-2"); !read {
		t.Fatal("after a resync the worker must read its queue")
	}
	w.synced = true
	for i := 0; i <= maxPending; i++ {
		w.handoff(Entry{StreamID: "2-0"})
	}
	if _, _, read := w.next("1-2"); !read {
		t.Fatal("after an overflow the worker must read its queue")
	}

	// The byte bound: entries up to maxPendingBytes are held; one more byte overflows.
	if _, _, read := w.next("1-2"); !read {
		t.Fatal("expected a read")
	}
	w.synced = true
	half := make([]byte, maxPendingBytes/2)
	w.handoff(Entry{StreamID: "3-1", Body: half})
	w.handoff(Entry{StreamID: "3-2", Body: half})
	if w.pendingBytes != maxPendingBytes || len(w.pending) != 2 {
		t.Fatalf("held %d entries of %d bytes, want 2 of %d", len(w.pending), w.pendingBytes, maxPendingBytes)
	}
	if e, ok, _ := w.next("2-0"); !ok || e.StreamID != "3-1" || w.pendingBytes != maxPendingBytes/2 {
		t.Fatalf("next = %s %v, %d bytes left", e.StreamID, ok, w.pendingBytes)
	}
	w.handoff(Entry{StreamID: "3-3", Body: half})
	w.handoff(Entry{StreamID: "3-4", Body: []byte{0}})
	if _, _, read := w.next("3-1"); !read || w.pendingBytes != 0 || w.pending != nil {
		t.Fatalf("after a byte overflow the worker must drop what it holds and read its queue (%d bytes held)", w.pendingBytes)
	}
}
