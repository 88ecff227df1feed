package notify

import (
	"context"
	"errors"
	"math"
	"net"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"k8s.io/apimachinery/pkg/util/wait"

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

// TestQueueReadRetriedAtStorePace is the regression test for notifications held back long
// after Redis answered again: a worker that could not read its queue waited the callback
// backoff between attempts (1 s doubling to 5 min), so after an outage of a minute or two, or
// a hung Redis whose commands the client's breaker refuses at once, a subscription's
// notifications waited minutes more. Queue reads are retried at the store's pace instead: here
// the callback backoff is an hour, and the worker must still try its queue again and again.
func TestQueueReadRetriedAtStorePace(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now: every read fails at once
	client := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	var reads atomic.Int64
	client.AddHook(countingHook{&reads})

	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	store := NewStore(client, "t")
	cfg := &deliveryConfig{
		store: store, metrics: m, backoff: Backoff{Base: time.Hour, Max: time.Hour}, storeRetry: storeRetry(),
		batch: 32, idlePoll: time.Hour, acks: newAcker(store, storeRetry()), depth: new(atomic.Int64),
		changed: func(string, bool) {},
	}
	sub := &Subscription{}
	sub.UID, sub.Name = "s1", "s1"
	w := newWorker(cfg, sub, v1alpha1.InventorySubscriptionStatus{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.start(ctx)
	defer w.halt()
	// Four attempts take at most 0.2+0.4+0.8 s of waits at the store's pace; one wait of the
	// callback backoff is at least 6 minutes.
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		return reads.Load() >= 4, nil
	}); err != nil {
		t.Fatalf("the worker read its queue %d times in 20s, want at least 4", reads.Load())
	}
}

// TestCommitRetriedAtStorePace is the regression test for a change's commit (its
// notifications written to the subscriptions' queues) retried at the callback backoff, 1 s
// doubling to 5 minutes: after a Redis outage or a Redis full for minutes, the notifications
// of a change made before it waited up to 5 more minutes once Redis had room.
func TestCommitRetriedAtStorePace(t *testing.T) {
	var attempts atomic.Int64
	n := &Notifier{
		cfg: Config{Retry: Backoff{Base: time.Hour, Max: time.Hour}},
		commit: func(context.Context, Change) ([]Queued, error) {
			if attempts.Add(1) < 5 {
				return nil, errors.New("OOM command not allowed when used memory > 'maxmemory'")
			}
			return []Queued{{StreamID: "1-0"}}, nil
		},
	}
	// Four failures wait at most 0.2+0.4+0.8+1.6 s at the store's pace; one wait of the
	// callback backoff is at least 6 minutes.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	queued, err := n.commitLocked(ctx, Change{Kind: "Resource", Key: "ns/r"}, nil)
	if err != nil || len(queued) != 1 {
		t.Fatalf("commit after %d attempts: %v %v, want it landed within 20s", attempts.Load(), queued, err)
	}
}

// countingHook counts the commands sent through a client.
type countingHook struct{ n *atomic.Int64 }

func (countingHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h countingHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h countingHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestRegressionFailureCountSaturates: the failure count a worker starts from is the
// subscription's status.consecutiveFailures, which a tenant allowed to write its status
// subresource (o2ims-admin has every resource of the group) may set to 2147483647, the largest
// value validation accepts. The next failure wrapped it to -2147483648, for which the backoff
// is no wait: the worker POSTed to its failing callback as fast as it answered, for two
// billion attempts, burning the notifier's CPU and turning it into a flood towards any host.
// The count now stays at its largest value, and the wait at the backoff's cap.
func TestRegressionFailureCountSaturates(t *testing.T) {
	st := &stats{st: v1alpha1.InventorySubscriptionStatus{ConsecutiveFailures: math.MaxInt32}}
	b := Backoff{Base: time.Second, Max: 5 * time.Minute}
	for range 3 {
		n := st.failure(time.Now(), &StatusError{Code: 503})
		if n != math.MaxInt32 {
			t.Fatalf("consecutiveFailures %d after a failure at %d, want it kept at %d", n, int32(math.MaxInt32), int32(math.MaxInt32))
		}
		if d := b.Delay(int(n), nil); d < b.Max/10 {
			t.Fatalf("wait %s after %d failures, want at least %s", d, n, b.Max/10)
		}
	}
}
