package readcache

import (
	"context"
	"sync"
	"time"
)

// revFetchTimeout bounds the shared revision request.
const revFetchTimeout = 5 * time.Second

// batcher coalesces concurrent requests for the store's current revision.
// A caller joins the next fetch, never one already in flight: a fetch that
// started before the caller arrived could return a revision older than the
// caller's own request, which would break read-your-writes.
type batcher struct {
	fetch func(context.Context) (uint64, error)

	mu      sync.Mutex
	running bool
	next    *fetchCall
}

type fetchCall struct {
	// joined counts the callers sharing this fetch (observability, tests).
	joined int
	done   chan struct{}
	rev    uint64
	err    error
}

func newBatcher(fetch func(context.Context) (uint64, error)) *batcher {
	return &batcher{fetch: fetch}
}

func (b *batcher) get(ctx context.Context) (uint64, error) {
	b.mu.Lock()
	if b.next == nil {
		b.next = &fetchCall{done: make(chan struct{})}
	}
	call := b.next
	call.joined++
	if !b.running {
		b.running = true
		go b.loop()
	}
	b.mu.Unlock()
	select {
	case <-call.done:
		return call.rev, call.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// pending reports how many callers wait for the fetch that has not started.
func (b *batcher) pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.next == nil {
		return 0
	}
	return b.next.joined
}

func (b *batcher) loop() {
	for {
		b.mu.Lock()
		call := b.next
		b.next = nil
		if call == nil {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), revFetchTimeout)
		call.rev, call.err = b.fetch(ctx)
		cancel()
		close(call.done)
	}
}

// waitFor blocks until the cache is ready and at revision >= rev. It asks
// the store for a progress notification once, because a resource that saw no
// writes only learns about newer revisions that way. It returns false when
// the deadline passes or ctx ends, and the caller reads from the store.
//
// While the store's watch is behind (Redis not answering: the watch stays open and resumes
// when it answers), it returns false at once: the cache may be behind what other replicas
// wrote meanwhile, and the store answers (or refuses) instead.
func (c *Cache) waitFor(ctx context.Context, rev uint64) bool {
	if !c.storeFollowing() {
		return false
	}
	// Our own writes reach the cache as events; only a revision beyond them
	// (from the store's counter) may need a progress notification, and
	// asking for one needlessly would move the cache past revisions the
	// caller did not ask for.
	lastWrite := c.lastWrite.Load()
	needProgress := rev > lastWrite
	if lastWrite > rev {
		rev = lastWrite
	}
	c.mu.RLock()
	ok := c.ready.Load() && c.rev >= rev
	c.mu.RUnlock()
	if ok {
		return true
	}
	if needProgress {
		if err := c.Interface.RequestWatchProgress(ctx); err != nil {
			return false
		}
	}
	deadline := time.Now().Add(c.cfg.FreshnessTimeout)
	// sync.Cond cannot select on a context, so a timer broadcasts to wake
	// this waiter when its time is up.
	wake := time.AfterFunc(c.cfg.FreshnessTimeout, c.wakeWaiters)
	defer wake.Stop()
	defer context.AfterFunc(ctx, c.wakeWaiters)()

	c.mu.Lock()
	defer c.mu.Unlock()
	for !(c.ready.Load() && c.rev >= rev) {
		if ctx.Err() != nil || !time.Now().Before(deadline) || c.ctx.Err() != nil {
			return false
		}
		c.cond.Wait()
	}
	return true
}
