package readcache

import (
	"sync"

	"k8s.io/apimachinery/pkg/watch"
)

// sharedWatch is one shared watch (see share.go). The cache appends events while it holds its
// lock, so sending must never wait for the reader: events queue here, as they do in
// client-go's informers behind it, and a goroutine hands them to the reader in order.
type sharedWatch struct {
	cache  *Cache
	result chan watch.Event

	mu      sync.Mutex
	pending []watch.Event
	// finished: no event follows the pending ones; the pump closes result after them.
	finished bool
	wake     chan struct{}

	stopOnce sync.Once
	stopped  chan struct{}
	// release unregisters the stop on the watch's context (set before pump starts).
	release func() bool
}

var _ watch.Interface = (*sharedWatch)(nil)

func newSharedWatch(c *Cache) *sharedWatch {
	return &sharedWatch{
		cache:   c,
		result:  make(chan watch.Event),
		wake:    make(chan struct{}, 1),
		stopped: make(chan struct{}),
	}
}

// ResultChan implements watch.Interface.
func (w *sharedWatch) ResultChan() <-chan watch.Event { return w.result }

// Stop implements watch.Interface.
func (w *sharedWatch) Stop() {
	w.stopOnce.Do(func() {
		close(w.stopped)
		w.cache.dropShared(w)
		if w.release != nil {
			w.release()
		}
	})
}

// send queues events; it never blocks.
func (w *sharedWatch) send(events ...watch.Event) {
	w.mu.Lock()
	w.pending = append(w.pending, events...)
	w.mu.Unlock()
	w.signal()
}

// finish ends the watch once the queued events are delivered.
func (w *sharedWatch) finish() {
	w.mu.Lock()
	w.finished = true
	w.mu.Unlock()
	w.signal()
}

func (w *sharedWatch) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// pump delivers the queued events until the watch is finished or stopped.
func (w *sharedWatch) pump() {
	defer close(w.result)
	for {
		w.mu.Lock()
		batch, finished := w.pending, w.finished
		w.pending = nil
		w.mu.Unlock()
		for _, ev := range batch {
			select {
			case w.result <- ev:
			case <-w.stopped:
				return
			}
		}
		if finished && len(batch) == 0 {
			return
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-w.wake:
		case <-w.stopped:
			return
		}
	}
}
