// Package readcache is a watch-driven read cache in front of a storage.Interface.
//
// One watch per resource keeps an in-memory copy of every object. Get and
// GetList are answered from memory when the requested resourceVersion
// semantics allow it; consistent reads (resourceVersion "") first learn the
// store's current revision — one small request shared by every read that
// arrived meanwhile — and wait until the watch has caught up to it. Reads the
// cache cannot answer (exact past revisions, continue tokens) and all writes
// and watches go to the wrapped store.
//
// The upstream cacher is tied to etcd (feature checks, progress-notify
// plumbing), which is why netweave carries this smaller cache.
package readcache

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// Defaults applied by Config.
const (
	DefaultFreshnessTimeout = 3 * time.Second
)

// Config describes the cache of one resource.
type Config struct {
	// Storage is the store being cached.
	Storage storage.Interface
	// ResourcePrefix is the key every object of the resource lives under,
	// e.g. "/pods"; the cache watches it recursively.
	ResourcePrefix string
	// KeyFunc returns the storage key of an object, as the registry computes
	// it. Objects must be stored under exactly this key.
	KeyFunc func(runtime.Object) (string, error)
	// NewFunc returns an empty object of the resource.
	NewFunc func() runtime.Object
	// NewListFunc returns an empty list of the resource.
	NewListFunc func() runtime.Object
	// GroupResource labels metrics and logs.
	GroupResource schema.GroupResource
	// UniqueIndex, when set, is the field the store keeps unique (the O2
	// id); the cache then indexes it too and answers lists whose field
	// selector requires an exact value of UniqueIndex.Field from the index.
	UniqueIndex *unique.Index
	// FreshnessTimeout bounds how long a read waits for the cache to reach
	// the revision it needs before falling back to the store.
	FreshnessTimeout time.Duration
	// Metrics count hits and misses; shared by every cache of a process (see NewMetrics).
	// Nil records nothing.
	Metrics *Metrics
	// Context is the parent of the cache's own list and watch of Storage (default
	// context.Background()); the values it carries reach the store. The Redis store is given
	// redis.Background, so the cache's list waits on a Redis that stopped answering instead of
	// being refused, and the cache follows the store again as soon as Redis answers.
	Context context.Context
}

// Cache implements storage.Interface.
type Cache struct {
	storage.Interface
	cfg      Config
	prefix   string
	revFetch *batcher

	mu sync.RWMutex
	// cond is broadcast whenever rev or ready changes.
	cond *sync.Cond
	// ready is set and cleared under mu (with cond), and atomic so that Ready can read it
	// without mu: the O2 face asks on every request.
	ready atomic.Bool
	rev   uint64
	items map[string]runtime.Object
	// managed holds the managedFields of the items that have any, by key: the cached objects
	// themselves have none (see managed.go).
	managed map[string]keptManaged
	// managedShared holds what managed's entries share (entries without times, fieldsV1: see
	// managed.go); labels, the label sets items share (see labels.go).
	managedShared *managedTable
	labels        *shareTable[map[string]string]
	// strings interns the repeated strings of objects of objType (see strings.go); nil when
	// the kind holds none.
	strings internFunc
	objType reflect.Type
	// keys is items' keys in order, for prefix scans and continue tokens.
	keys []string
	// byUnique maps unique values to keys (see unique.go).
	byUnique uniqueKeys
	// afterFresh, set by tests only, runs between a read's freshness check (waitFor) and its
	// read of the cache: where a reset may come in.
	afterFresh func()
	// watchers are the shared watches (see share.go).
	watchers map[*sharedWatch]struct{}

	// lastWrite is the newest revision produced by a write through this
	// cache. Every read waits for it, so a client always reads its own
	// writes from this server, even with resourceVersion=0.
	lastWrite atomic.Uint64
	// resets counts the times the store went back (see storeWentBack); a
	// list or write that straddles one describes the old store.
	resets atomic.Uint64

	// follower is the store, when it tells whether its watches are behind it (see
	// storeFollowing); nil otherwise.
	follower follower

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

var _ storage.Interface = (*Cache)(nil)

// New starts a cache; Stop ends its watch.
func New(cfg Config) (*Cache, error) {
	if cfg.Storage == nil || cfg.KeyFunc == nil || cfg.NewFunc == nil || cfg.NewListFunc == nil {
		return nil, errors.New("cache: Storage, KeyFunc, NewFunc and NewListFunc are required")
	}
	if cfg.ResourcePrefix == "" {
		return nil, errors.New("cache: ResourcePrefix is required")
	}
	if cfg.FreshnessTimeout <= 0 {
		cfg.FreshnessTimeout = DefaultFreshnessTimeout
	}
	c := &Cache{
		Interface:     cfg.Storage,
		cfg:           cfg,
		prefix:        cfg.ResourcePrefix,
		items:         map[string]runtime.Object{},
		managed:       map[string]keptManaged{},
		managedShared: newManagedTable(),
		labels:        newLabelsTable(),
		byUnique:      newUniqueKeys(),
		watchers:      map[*sharedWatch]struct{}{},
		done:          make(chan struct{}),
	}
	c.follower, _ = cfg.Storage.(follower)
	c.objType = reflect.TypeOf(cfg.NewFunc())
	c.strings = internerFor(c.objType)
	c.cond = sync.NewCond(&c.mu)
	parent := cfg.Context
	if parent == nil {
		parent = context.Background()
	}
	c.ctx, c.cancel = context.WithCancel(parent)
	c.revFetch = newBatcher(func(ctx context.Context) (uint64, error) {
		return cfg.Storage.GetCurrentResourceVersion(ctx)
	})
	if n, ok := cfg.Storage.(resetNotifier); ok {
		n.OnReset(c.storeWentBack)
	}
	go c.run()
	return c, nil
}

// Stop ends the cache's watch. Reads keep working, served by the store.
func (c *Cache) Stop() {
	c.cancel()
	<-c.done
}

// ResourcePrefix is the key every object of the resource lives under (Config.ResourcePrefix).
func (c *Cache) ResourcePrefix() string { return c.prefix }

// Ready reports whether the initial state has been loaded.
func (c *Cache) Ready() bool {
	return c.ready.Load()
}

// follower is a store that tells whether its watches are handed every change as it is
// written (the Redis store: not while it cannot read Redis, when its watches stay open and
// resume once Redis answers).
type follower interface{ Following() bool }

// storeFollowing reports whether the cache's watch of the store is not behind the store.
func (c *Cache) storeFollowing() bool { return c.follower == nil || c.follower.Following() }

// Following reports whether the cache holds the store's current state and receives its
// changes: it is Ready and its watch of the store is not behind. A Redis restart leaves the
// cache Ready (its watch goes on, nothing is listed again) but not Following until the store
// reads Redis again; meanwhile the cache answers no read (they go to the store, which refuses
// them while Redis is down), and what answers from copies it feeds (the O2 face) asks this.
func (c *Cache) Following() bool { return c.ready.Load() && c.storeFollowing() }

// wakeWaiters wakes whoever waits on c.cond, to look at their context or deadline again:
// sync.Cond cannot select on either.
func (c *Cache) wakeWaiters() {
	c.mu.Lock()
	c.cond.Broadcast()
	c.mu.Unlock()
}

// WaitReady blocks until the cache holds the store's state (Ready), ctx is done or the cache
// stops, and reports whether it is ready. In-process readers (the O2 informers) wait here
// while the store cannot be read instead of failing: a reader that fails is retried after a
// backoff that grows with every failure, so after an outage of a minute it would list again
// tens of seconds after the store is back; a reader that waits lists as soon as it is.
func (c *Cache) WaitReady(ctx context.Context) bool {
	if c.ready.Load() {
		return true
	}
	defer context.AfterFunc(ctx, c.wakeWaiters)()
	c.mu.Lock()
	defer c.mu.Unlock()
	// The run loop broadcasts whenever ready changes, and when it stops (setUnready).
	for !c.ready.Load() {
		if ctx.Err() != nil || c.ctx.Err() != nil {
			return false
		}
		c.cond.Wait()
	}
	return true
}

// GuaranteedUpdate passes through, offering the cached object as the
// starting point so the common case is a single conditional write; the
// store retries with a fresh read if the suggestion turns out stale.
func (c *Cache) GuaranteedUpdate(ctx context.Context, key string, destination runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, cachedExistingObject runtime.Object) error {
	if cachedExistingObject == nil {
		cachedExistingObject = c.cachedCopy(key)
	}
	resets := c.resets.Load()
	err := c.Interface.GuaranteedUpdate(ctx, key, destination, ignoreNotFound, preconditions, tryUpdate, cachedExistingObject)
	if err == nil {
		c.noteWrite(ctx, resets, destination)
	}
	return err
}

// Create passes through and remembers the write's revision.
func (c *Cache) Create(ctx context.Context, key string, obj, out runtime.Object, ttl uint64) error {
	resets := c.resets.Load()
	err := c.Interface.Create(ctx, key, obj, out, ttl)
	if err == nil && out != nil {
		c.noteWrite(ctx, resets, out)
	}
	return err
}

// noteWrite raises lastWrite to obj's revision. A write the store went back during (resets
// changed since it was sent) made either a revision of the new store, which the cache will
// reach (the write's event, or a relist past it) and which reads must wait for, or one of the
// store that went, which the new store may not reach for a long time, so reads would wait for
// it and fall back to the store until then. The store's current revision, read after the
// write returned, tells them apart: a revision of the new store is not above it. (One of the
// store that went that the new store has already passed is kept too: the relisted cache is
// past it, or reaches it with the next event or progress notification.)
func (c *Cache) noteWrite(ctx context.Context, resets uint64, obj runtime.Object) {
	rv, err := c.Interface.Versioner().ObjectResourceVersion(obj)
	if err != nil {
		return
	}
	if c.resets.Load() != resets {
		resets = c.resets.Load()
		current, err := c.revFetch.get(ctx)
		if err != nil || c.resets.Load() != resets || rv > current {
			return
		}
	}
	for {
		cur := c.lastWrite.Load()
		if rv <= cur {
			return
		}
		if c.lastWrite.CompareAndSwap(cur, rv) {
			// A reset that ran between the check above and the swap cleared lastWrite before
			// it: a revision of the store that went must not stay the one reads wait for.
			if c.resets.Load() != resets {
				c.lastWrite.CompareAndSwap(rv, 0)
			}
			return
		}
	}
}

// Delete passes through with the cached object as suggestion, like
// GuaranteedUpdate.
func (c *Cache) Delete(ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions,
	validateDeletion storage.ValidateObjectFunc, cachedExistingObject runtime.Object, opts storage.DeleteOptions) error {
	if cachedExistingObject == nil && !opts.ExpectTransformOrDecodeError {
		cachedExistingObject = c.cachedCopy(key)
	}
	resets := c.resets.Load()
	err := c.Interface.Delete(ctx, key, out, preconditions, validateDeletion, cachedExistingObject, opts)
	if err == nil && !opts.ExpectTransformOrDecodeError {
		c.noteWrite(ctx, resets, out)
	}
	return err
}

func (c *Cache) cachedCopy(key string) runtime.Object {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.ready.Load() {
		return nil
	}
	if obj, ok := c.items[key]; ok {
		return withManagedFields(obj.DeepCopyObject(), c.managed[key])
	}
	return nil
}

// apply records one change; callers hold c.mu. obj's managedFields move to c.managed.
func (c *Cache) apply(obj runtime.Object, deleted bool) error {
	key, err := c.cfg.KeyFunc(obj)
	if err != nil {
		return fmt.Errorf("cache: computing key: %w", err)
	}
	managed, err := takeManagedFields(obj)
	if err != nil {
		return err
	}
	c.managedShared.release(c.managed[key])
	if deleted || len(managed) == 0 {
		delete(c.managed, key)
	} else {
		c.managed[key] = c.managedShared.intern(managed)
	}
	i := sort.SearchStrings(c.keys, key)
	present := i < len(c.keys) && c.keys[i] == key
	if present {
		if err := c.unindexUnique(c.items[key], key); err != nil {
			return err
		}
		if err := releaseLabels(c.labels, c.items[key]); err != nil {
			return err
		}
	}
	if !deleted {
		if err := internLabels(c.labels, obj); err != nil {
			return err
		}
	}
	if !deleted {
		if err := c.indexUnique(c.byUnique, obj, key); err != nil {
			return err
		}
	}
	switch {
	case deleted && present:
		delete(c.items, key)
		c.keys = append(c.keys[:i], c.keys[i+1:]...)
	case !deleted:
		c.items[key] = obj
		if !present {
			c.keys = append(c.keys, "")
			copy(c.keys[i+1:], c.keys[i:])
			c.keys[i] = key
		}
	}
	return nil
}
