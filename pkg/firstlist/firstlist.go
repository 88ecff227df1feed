// Package firstlist tells whether an informer has listed its objects, or its first list
// failed. An informer of a namespace netweave may not read (its Role missing, a Secret named by
// a flag in a namespace outside its RBAC) retries its list forever, and waiting for every
// informer to sync would let that one namespace hold back everything else a controller does.
// A Watch lets the controller wait for each informer only until it is read or its first list
// failed (reported, naming what cannot be read and what waits for it), and then ask which are
// read before it acts on what their caches do not hold.
package firstlist

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
)

// pollInterval is how often Wait looks at the informers: their first list takes a round trip
// to the API server, and the wait happens once per leader term.
const pollInterval = 50 * time.Millisecond

// Watch follows the first list of one informer.
type Watch struct {
	informer cache.SharedIndexInformer
	report   func(ctx context.Context, err error)
	// failed is closed when a list failed before the informer was first read.
	failed chan struct{}
	once   sync.Once
}

// Track sets informer's watch error handler, before it runs: a list that fails before the
// informer was first read calls report (which logs what cannot be read and what waits for it;
// the informer keeps trying), later errors are client-go's to log.
func Track(informer cache.SharedIndexInformer, report func(ctx context.Context, err error)) (*Watch, error) {
	w := &Watch{informer: informer, report: report, failed: make(chan struct{})}
	if err := informer.SetWatchErrorHandlerWithContext(w.watchError); err != nil {
		return nil, fmt.Errorf("track the first list: %w", err)
	}
	return w, nil
}

func (w *Watch) watchError(ctx context.Context, r *cache.Reflector, err error) {
	if w.Read() {
		cache.DefaultWatchErrorHandler(ctx, r, err)
		return
	}
	w.report(ctx, err)
	w.once.Do(func() { close(w.failed) })
}

// Read reports whether the informer has listed its objects: only then does what its cache
// lacks not exist.
func (w *Watch) Read() bool { return w.informer.HasSynced() }

// ReadOrFailed reports whether the informer has listed its objects or a list failed first.
func (w *Watch) ReadOrFailed() bool {
	select {
	case <-w.failed:
		return true
	default:
		return w.Read()
	}
}

// Wait waits until each of watches is read or its first list failed; it returns ctx's error
// if ctx ends first.
func Wait(ctx context.Context, watches ...*Watch) error {
	return wait.PollUntilContextCancel(ctx, pollInterval, true, func(context.Context) (bool, error) {
		for _, w := range watches {
			if !w.ReadOrFailed() {
				return false, nil
			}
		}
		return true, nil
	})
}

// WhenRead calls fn once the informer has been read, unless ctx ends first; it returns then.
// A controller that went on without the informer (its first list failed) acts on it this way
// as soon as it can: the informer's own events may reach their handler before Read turns true,
// so a handler that looked at Read then would wait for an event that never comes.
func (w *Watch) WhenRead(ctx context.Context, fn func()) {
	if wait.PollUntilContextCancel(ctx, pollInterval, true, func(context.Context) (bool, error) {
		return w.Read(), nil
	}) == nil {
		fn()
	}
}
