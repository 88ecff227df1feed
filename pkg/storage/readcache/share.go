package readcache

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage"
)

// The shared reads hand in-process readers (the process's O2 informers) the cache's own
// objects instead of copies, so that the inventory is decoded and held once per process: a
// reader must never modify what it gets. They follow the semantics client-go's reflector
// expects of a watch with initial events (a "watch-list"): the current state as Added events,
// a bookmark marking the end of the initial events, then every change, in revision order,
// until the cache starts over (a failed watch of the store, a store that went back), when the
// watch ends with 410 Gone and the reader lists again.

// errNotReady is returned while the cache has no state to share; the reflector retries.
var errNotReady = errors.New("read cache not ready")

// ListShared returns every cached object and the revision they are at, once the cache has
// reached the revision resourceVersion asks for ("" the store's current one).
func (c *Cache) ListShared(ctx context.Context, resourceVersion string) ([]runtime.Object, uint64, error) {
	if err := c.waitShared(ctx, resourceVersion); err != nil {
		return nil, 0, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.ready.Load() {
		return nil, 0, errNotReady
	}
	return c.snapshot(), c.rev, nil
}

// WatchShared watches the cache. With initialEvents (or resourceVersion "" or "0") the watch
// starts with the cached state at a revision at least resourceVersion, then a bookmark
// annotated metav1.InitialEventsAnnotationKey; without, it continues from resourceVersion,
// which must be the cache's revision (the cache keeps no history: anything older is 410 Gone
// and the reader lists again).
func (c *Cache) WatchShared(ctx context.Context, resourceVersion string, initialEvents bool) (watch.Interface, error) {
	if resourceVersion == "" || resourceVersion == "0" {
		initialEvents = true
	}
	if err := c.waitShared(ctx, resourceVersion); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ready.Load() {
		return nil, errNotReady
	}
	w := newSharedWatch(c)
	if initialEvents {
		objs := c.snapshot()
		events := make([]watch.Event, 0, len(objs)+1)
		for _, obj := range objs {
			events = append(events, watch.Event{Type: watch.Added, Object: obj})
		}
		end, err := c.initialEventsEnd()
		if err != nil {
			return nil, err
		}
		events = append(events, watch.Event{Type: watch.Bookmark, Object: end})
		w.send(events...)
	} else if rv, err := strconv.ParseUint(resourceVersion, 10, 64); err != nil || rv != c.rev {
		return nil, apierrors.NewResourceExpired(fmt.Sprintf("resourceVersion %s is not the read cache's %d; list again", resourceVersion, c.rev))
	}
	c.watchers[w] = struct{}{}
	// Ends with ctx, as a storage.Interface watch does, not only with Stop.
	w.release = context.AfterFunc(ctx, w.Stop)
	go w.pump()
	return w, nil
}

// waitShared waits until the cache has reached the revision resourceVersion names.
func (c *Cache) waitShared(ctx context.Context, resourceVersion string) error {
	need, err := c.minimumRevision(ctx, resourceVersion)
	if errors.Is(err, errAheadOfStore) {
		// As the upstream cacher answers: the reader lists again from the current state (a
		// store that went back is behind what the reader saw).
		rv, _ := strconv.ParseUint(resourceVersion, 10, 64)
		return storage.NewTooLargeResourceVersionError(rv, 0, 1)
	}
	if err != nil {
		return fmt.Errorf("read cache revision: %w", err)
	}
	if !c.waitFor(ctx, need) {
		return fmt.Errorf("%w at revision %d", errNotReady, need)
	}
	return nil
}

// snapshot is every cached object in key order; callers hold c.mu.
func (c *Cache) snapshot() []runtime.Object {
	objs := make([]runtime.Object, len(c.keys))
	for i, k := range c.keys {
		objs[i] = c.items[k]
	}
	return objs
}

// initialEventsEnd is the bookmark that ends a watch's initial events; callers hold c.mu.
func (c *Cache) initialEventsEnd() (runtime.Object, error) {
	obj := c.cfg.NewFunc()
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	m.SetResourceVersion(strconv.FormatUint(c.rev, 10))
	m.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
	return obj, nil
}

// share hands a change the cache applied to every shared watch; callers hold c.mu.
func (c *Cache) share(ev watch.Event) {
	for w := range c.watchers {
		w.send(ev)
	}
}

// endShared ends every shared watch with 410 Gone: the cache is starting over, and what it
// will hold need not follow from what the watches delivered. Callers hold c.mu.
func (c *Cache) endShared() {
	gone := apierrors.NewResourceExpired("the read cache is starting over; list again").Status()
	for w := range c.watchers {
		w.send(watch.Event{Type: watch.Error, Object: &gone})
		w.finish()
		delete(c.watchers, w)
	}
}

// dropShared forgets a watch its reader stopped.
func (c *Cache) dropShared(w *sharedWatch) {
	c.mu.Lock()
	delete(c.watchers, w)
	c.mu.Unlock()
}
