package apiserver

import "sync"

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

// wait returns once every goroutine Go started has returned.
func (b *background) wait() { b.wg.Wait() }
