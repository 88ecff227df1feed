package readcache

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/klog/v2"
)

// healthyWatch is how long a watch must have run before a failure counts as
// a fresh incident rather than part of an outage (resets the backoff).
const healthyWatch = 30 * time.Second

// retryCap bounds the wait between attempts to load the store after a failure: it is how long
// the cache (and the O2 face, which refuses while the cache cannot follow the store) may stay
// down after the store answers again. There is one cache per resource and an attempt against a
// store that is down costs one request, so a short cap is cheap.
const retryCap = 500 * time.Millisecond

// run keeps the cache fed: list, then watch from the list's revision, and
// start over after any failure. List+watch rather than a WatchList stream
// keeps the cache independent of the WatchList feature gate.
func (c *Cache) run() {
	defer close(c.done)
	// Whoever waits in WaitReady looks again when the cache stops, from wherever run returns.
	defer c.wakeWaiters()
	log := klog.Background().WithValues("cache", c.cfg.GroupResource.String())
	backoff := wait.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 1 << 30, Cap: retryCap}
	for {
		started := time.Now()
		err := c.listAndWatch()
		c.setUnready()
		if c.ctx.Err() != nil {
			return
		}
		if time.Since(started) > healthyWatch {
			backoff.Duration, backoff.Steps = 100*time.Millisecond, 1<<30
		}
		log.V(2).Info("Cache watch ended, restarting", "err", err)
		timer := time.NewTimer(backoff.Step())
		select {
		case <-c.ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

func (c *Cache) listAndWatch() error {
	resets := c.resets.Load()
	list := c.cfg.NewListFunc()
	opts := storage.ListOptions{Predicate: storage.Everything, Recursive: true}
	if err := c.Interface.GetList(c.ctx, c.prefix, opts, list); err != nil {
		return fmt.Errorf("initial list: %w", err)
	}
	listMeta, err := meta.ListAccessor(list)
	if err != nil {
		return err
	}
	rev, err := strconv.ParseUint(listMeta.GetResourceVersion(), 10, 64)
	if err != nil {
		return fmt.Errorf("list resourceVersion: %w", err)
	}
	// Each object its own allocation, as client-go's reflector does: objects pointing into the
	// list's one Items array would keep it whole, every replaced and deleted version of the
	// others with it, for as long as any one of them stays cached.
	objs, err := meta.ExtractListWithAlloc(list)
	if err != nil {
		return err
	}
	items := make(map[string]runtime.Object, len(objs))
	managed, managedShared, labels := map[string]keptManaged{}, newManagedTable(), newLabelsTable()
	keys := make([]string, 0, len(objs))
	byUnique := newUniqueKeys()
	for _, obj := range objs {
		key, err := c.cfg.KeyFunc(obj)
		if err != nil {
			return fmt.Errorf("computing key: %w", err)
		}
		mf, err := takeManagedFields(obj)
		if err != nil {
			return err
		}
		if len(mf) > 0 {
			managed[key] = managedShared.intern(mf)
		}
		c.internStrings(obj)
		if err := internLabels(labels, obj); err != nil {
			return err
		}
		items[key] = obj
		keys = append(keys, key)
		if err := c.indexUnique(byUnique, obj, key); err != nil {
			return err
		}
	}
	sort.Strings(keys)

	w, err := c.Interface.Watch(c.ctx, c.prefix, storage.ListOptions{
		ResourceVersion: listMeta.GetResourceVersion(),
		Predicate:       storage.Everything,
		Recursive:       true,
		ProgressNotify:  true,
	})
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	defer w.Stop()

	c.mu.Lock()
	if c.resets.Load() != resets {
		// The list may be of the store before it went back.
		c.mu.Unlock()
		return errors.New("store went back during the initial list")
	}
	c.items, c.keys, c.byUnique, c.rev = items, keys, byUnique, rev
	c.ready.Store(true)
	c.managed, c.managedShared, c.labels = managed, managedShared, labels
	c.cond.Broadcast()
	c.mu.Unlock()

	for {
		select {
		case <-c.ctx.Done():
			return c.ctx.Err()
		case ev, ok := <-w.ResultChan():
			if !ok {
				return fmt.Errorf("watch closed")
			}
			if err := c.handle(ev); err != nil {
				return err
			}
		}
	}
}

func (c *Cache) handle(ev watch.Event) error {
	if ev.Type == watch.Error {
		if status, ok := ev.Object.(*metav1.Status); ok {
			return &apierrors.StatusError{ErrStatus: *status}
		}
		return fmt.Errorf("watch error event: %v", ev.Object)
	}
	accessor, err := meta.Accessor(ev.Object)
	if err != nil {
		return err
	}
	rev, err := strconv.ParseUint(accessor.GetResourceVersion(), 10, 64)
	if err != nil {
		return fmt.Errorf("event resourceVersion: %w", err)
	}
	if ev.Type == watch.Added || ev.Type == watch.Modified {
		// Before the lock: the object is the cache's alone until apply stores it.
		c.internStrings(ev.Object)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ev.Type {
	case watch.Added, watch.Modified:
		err = c.apply(ev.Object, false)
	case watch.Deleted:
		err = c.apply(ev.Object, true)
	case watch.Bookmark:
	}
	if err != nil {
		return err
	}
	if ev.Type != watch.Bookmark {
		c.share(ev)
	}
	if rev > c.rev {
		c.rev = rev
	}
	c.cond.Broadcast()
	return nil
}

func (c *Cache) setUnready() {
	c.mu.Lock()
	c.ready.Store(false)
	c.items, c.keys, c.byUnique = map[string]runtime.Object{}, nil, newUniqueKeys()
	c.managed, c.managedShared, c.labels = map[string]keptManaged{}, newManagedTable(), newLabelsTable()
	c.endShared()
	c.cond.Broadcast()
	c.mu.Unlock()
}
