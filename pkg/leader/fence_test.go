package leader

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	clocktesting "k8s.io/utils/clock/testing"
)

// countingLock is a Lease lock that accepts every write and counts the updates; its Get
// answers a record naming holder ("me" when empty).
type countingLock struct {
	resourcelock.Interface // nil: only what fence calls is implemented
	updates                atomic.Int32
	holder                 atomic.Value
}

func (l *countingLock) Get(context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	h, _ := l.holder.Load().(string)
	if h == "" {
		h = "me"
	}
	return &resourcelock.LeaderElectionRecord{HolderIdentity: h}, nil, nil
}

func (l *countingLock) Update(context.Context, resourcelock.LeaderElectionRecord) error {
	l.updates.Add(1)
	return nil
}
func (l *countingLock) Identity() string { return "me" }
func (l *countingLock) Describe() string { return "ns/lease" }

func waitForTimer(t *testing.T, clk *clocktesting.FakeClock) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return clk.HasWaiters(), nil
	})
	if err != nil {
		t.Fatal("the fence never set its timer")
	}
}

// The term's context ends RenewDeadline after the last renewal that succeeded was sent, not
// before, and every renewal pushes the end back.
func TestFenceEndsTheTermAtTheRenewDeadline(t *testing.T) {
	const renewDeadline = 10 * time.Second
	clk := clocktesting.NewFakeClock(time.Unix(1000, 0))
	f := newFence(&countingLock{}, clk, renewDeadline)
	held := resourcelock.LeaderElectionRecord{HolderIdentity: "me"}
	if err := f.Update(t.Context(), held); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go f.watch(ctx, cancel)

	waitForTimer(t, clk)
	clk.Step(renewDeadline - time.Millisecond)
	if err := f.Update(t.Context(), held); err != nil { // renewed just in time
		t.Fatal(err)
	}
	clk.Step(time.Millisecond) // the first deadline passes; the fence re-arms for the renewal's
	waitForTimer(t, clk)
	if ctx.Err() != nil {
		t.Fatal("term ended although the Lease was renewed within the renew deadline")
	}
	clk.Step(renewDeadline)
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("term still running a renew deadline after the last renewal")
	}
}

// A release (an empty holder) waits for the lead function to return.
func TestFenceHoldsTheReleaseUntilLeadReturned(t *testing.T) {
	lock := &countingLock{}
	f := newFence(lock, clocktesting.NewFakeClock(time.Unix(1000, 0)), time.Second)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := f.Update(ctx, resourcelock.LeaderElectionRecord{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("release while lead runs: %v, want it to wait until its context ends", err)
	}
	if n := lock.updates.Load(); n != 0 {
		t.Fatalf("the Lease was written %d times while lead ran", n)
	}
	close(f.stopped)
	if _, _, err := f.Get(t.Context()); err != nil { // client-go reads the Lease before it releases it
		t.Fatal(err)
	}
	if err := f.Update(t.Context(), resourcelock.LeaderElectionRecord{}); err != nil || lock.updates.Load() != 1 {
		t.Fatalf("release after lead returned: %v, %d writes", err, lock.updates.Load())
	}
	if f.acquired() {
		t.Error("a release counted as holding the Lease")
	}
}

// TestRegressionReleaseLeavesTheSuccessorsLease: a replica whose renewals failed released the
// Lease by what it had last observed (itself the holder), over the record it had just read,
// though another replica had taken the Lease over meanwhile (after the lease duration, as it
// may: a read answered after a partition healed, or a release retried after a conflict while
// a slow lead function returned). The successor's Lease was cleared, and this replica's next
// term took it at once while the successor still led. The release is now made only when the
// Lease just read names this replica.
func TestRegressionReleaseLeavesTheSuccessorsLease(t *testing.T) {
	lock := &countingLock{}
	f := newFence(lock, clocktesting.NewFakeClock(time.Unix(1000, 0)), time.Second)
	close(f.stopped)
	lock.holder.Store("B")
	if _, _, err := f.Get(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := f.Update(t.Context(), resourcelock.LeaderElectionRecord{}); err != nil {
		t.Fatal(err)
	}
	if n := lock.updates.Load(); n != 0 {
		t.Fatalf("the Lease B holds was released %d times by a replica that no longer held it", n)
	}
	// Renewals are not held to it: taking or renewing the Lease is the elector's own decision
	// from what it read.
	if err := f.Update(t.Context(), resourcelock.LeaderElectionRecord{HolderIdentity: "me"}); err != nil || lock.updates.Load() != 1 {
		t.Fatalf("a renewal after reading another holder: %v, %d writes", err, lock.updates.Load())
	}
}
