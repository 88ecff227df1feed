package leader

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// fence is the Lease lock of one term. It notes when the last renewal that succeeded was sent,
// so the term can end before the Lease can expire for other replicas, and it holds the release
// of the Lease back until the term's lead function has returned.
type fence struct {
	resourcelock.Interface
	clock         clock.Clock
	renewDeadline time.Duration
	// stopped is closed when the lead function has returned.
	stopped chan struct{}

	mu      sync.Mutex
	held    bool      // a Create or Update naming this replica the holder succeeded
	renewed time.Time // when that last one was sent
}

func newFence(lock resourcelock.Interface, clk clock.Clock, renewDeadline time.Duration) *fence {
	return &fence{Interface: lock, clock: clk, renewDeadline: renewDeadline, stopped: make(chan struct{})}
}

func (f *fence) Create(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	sent := f.clock.Now()
	if err := f.Interface.Create(ctx, rec); err != nil {
		return err
	}
	f.heldSince(rec, sent)
	return nil
}

// Update renews or takes the Lease, or releases it (an empty holder): the release waits for
// the lead function, so no successor starts while it may still write.
func (f *fence) Update(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	if rec.HolderIdentity == "" {
		select {
		case <-f.stopped:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	sent := f.clock.Now()
	if err := f.Interface.Update(ctx, rec); err != nil {
		return err
	}
	f.heldSince(rec, sent)
	return nil
}

func (f *fence) heldSince(rec resourcelock.LeaderElectionRecord, sent time.Time) {
	if rec.HolderIdentity != f.Identity() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.held, f.renewed = true, sent
}

// acquired tells whether this term took the Lease (and so runs the lead function).
func (f *fence) acquired() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.held
}

// deadline is when the term must have stopped writing.
func (f *fence) deadline() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.renewed.Add(f.renewDeadline)
}

// watch calls cancel once RenewDeadline has passed since the last renewal that succeeded was
// sent, or returns when ctx ends.
func (f *fence) watch(ctx context.Context, cancel context.CancelFunc) {
	for {
		left := f.deadline().Sub(f.clock.Now())
		if left <= 0 {
			klog.InfoS("Lease not renewed within the renew deadline; stopping the term", "lock", f.Describe())
			cancel()
			return
		}
		t := f.clock.NewTimer(left)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
	}
}
