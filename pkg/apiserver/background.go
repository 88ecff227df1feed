package apiserver

import (
	"sync"
	"time"

	"k8s.io/klog/v2"
)

// backgroundStopBound is how long Server.Run waits for what the post-start hooks started once
// the API server stopped: within the kubelet's default 30 s grace period, so that a term that
// ignores its context cannot hold the process until it is killed without a word.
const backgroundStopBound = 20 * time.Second

// background tracks the goroutines the post-start hooks start (the O2 listener, the leaders'
// terms), so that Server.Run returns only once they have stopped: the process exits when Run
// returns, and what still ran then was cut (the O2 listener's drain, the release of a lease on
// a clean stop, the acknowledgement of a notification just delivered). They stop with their
// hook's context, done once the API server's own listener has stopped.
type background struct {
	wg sync.WaitGroup
}

// Go runs f in a tracked goroutine.
func (b *background) Go(f func()) { b.wg.Go(f) }

// waitAtMost returns once every goroutine Go started has returned, or after bound; it reports
// whether they all returned.
func (b *background) waitAtMost(bound time.Duration) bool {
	done := make(chan struct{})
	go func() {
		b.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(bound)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		klog.ErrorS(nil, "Stopping with background work still running (a leader's term, or the O2 listener's drain): its lease, if any, is left to expire", "waited", bound)
		return false
	}
}
