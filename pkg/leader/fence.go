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
	// readHolder is the holder of the record the last Get read. The lock's Update writes over
	// the object that Get read (its resourceVersion), so a release is this replica's to make
	// only when that record names it.
	readHolder string
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

// Get reads the Lease and notes its holder for a release that may follow.
func (f *fence) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	rec, raw, err := f.Interface.Get(ctx)
	if err == nil && rec != nil {
		f.mu.Lock()
		f.readHolder = rec.HolderIdentity
		f.mu.Unlock()
	}
	return rec, raw, err
}

// Update renews or takes the Lease, or releases it (an empty holder): the release waits for
// the lead function, so no successor starts while it may still write, and it is made only
// when the Lease just read still names this replica. client-go's release decides from the
// record it last observed, which is stale when its renewals failed: once another replica took
// the Lease over (after waiting the lease duration, as it may), that release cleared the new
// leader's Lease and this replica's next term took it at once, while the other still led.
func (f *fence) Update(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	if rec.HolderIdentity == "" {
		select {
		case <-f.stopped:
		case <-ctx.Done():
			return ctx.Err()
		}
		f.mu.Lock()
		holder := f.readHolder
		f.mu.Unlock()
		if holder != f.Identity() {
			klog.InfoS("Not releasing the Lease: another replica holds it now", "lock", f.Describe(), "holder", holder)
			return nil
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
