package readcache

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
)

// minimumRevision turns a read's resourceVersion into the revision the cache
// must have reached. "" is a consistent read: the store's current revision,
// fetched once per batch of concurrent readers.
func (c *Cache) minimumRevision(ctx context.Context, resourceVersion string) (uint64, error) {
	switch resourceVersion {
	case "":
		current, err := c.revFetch.get(ctx)
		if err != nil {
			return 0, err
		}
		c.mu.RLock()
		ahead := c.rev > current
		c.mu.RUnlock()
		if ahead {
			// The store's current revision is below one the cache holds: the store went
			// back, and its reset (which empties the cache) has not reached the cache yet.
			// The store answers, not the cache's copy of what is gone.
			return 0, errStoreWentBack
		}
		return current, nil
	case "0":
		return 0, nil
	}
	rv, err := c.Interface.Versioner().ParseResourceVersion(resourceVersion)
	if err != nil {
		return 0, err
	}
	c.mu.RLock()
	fresh := c.ready.Load() && c.rev >= rv
	c.mu.RUnlock()
	if fresh {
		return rv, nil
	}
	// A revision the store has not reached yet is the store's to reject
	// (504 with Retry-After); waiting for it here would only add latency.
	current, err := c.revFetch.get(ctx)
	if err != nil {
		return 0, err
	}
	if rv > current {
		return 0, errAheadOfStore
	}
	return rv, nil
}

var (
	errAheadOfStore  = errors.New("requested resourceVersion is newer than the store")
	errStoreWentBack = errors.New("the store's current revision is below the cache's")
)

// Get implements storage.Interface.
func (c *Cache) Get(ctx context.Context, key string, opts storage.GetOptions, out runtime.Object) error {
	preparedKey, err := storage.PrepareKey(c.prefix, key, false)
	if err != nil {
		return err
	}
	need, err := c.minimumRevision(ctx, opts.ResourceVersion)
	if err != nil || !c.waitFor(ctx, need) {
		c.cfg.Metrics.recordMiss("get", c.cfg.GroupResource)
		return c.Interface.Get(ctx, key, opts, out)
	}
	if c.afterFresh != nil {
		c.afterFresh()
	}
	c.mu.RLock()
	if !c.holds(need) {
		c.mu.RUnlock()
		c.cfg.Metrics.recordMiss("get", c.cfg.GroupResource)
		return c.Interface.Get(ctx, key, opts, out)
	}
	obj, found := c.items[preparedKey]
	managed := c.managed[preparedKey]
	c.mu.RUnlock()
	c.cfg.Metrics.recordHit("get", c.cfg.GroupResource)
	if !found {
		if opts.IgnoreNotFound {
			return runtime.SetZeroValue(out)
		}
		return storage.NewKeyNotFoundError(preparedKey, 0)
	}
	return into(withManagedFields(obj.DeepCopyObject(), managed), out)
}

// ErrNotFresh is GetByUnique's answer when the cache cannot reach the store's current revision
// (the store cannot be read, or the cache's watch is behind it for longer than
// Config.FreshnessTimeout): what it holds may be behind what other replicas wrote.
var ErrNotFresh = errors.New("the read cache cannot reach the store's current revision now")

// ErrNoUniqueIndex is GetByUnique's answer for a resource without a unique index.
var ErrNoUniqueIndex = errors.New("the resource has no unique index")

// GetByUnique returns the object holding value of the unique index (Config.UniqueIndex) as of
// the store's current revision: a consistent read, like Get with resourceVersion "", that
// waits for the cache to reach the revision the store has now. The object is the cache's own
// (as the shared reads hand out, share.go): the caller must not modify it. For readers whose
// copy of the cache may trail the store (the O2 informers): a replica's copy does not hold
// what another replica has just written.
func (c *Cache) GetByUnique(ctx context.Context, value string) (runtime.Object, bool, error) {
	if c.cfg.UniqueIndex == nil {
		return nil, false, fmt.Errorf("cache of %s: %w", c.cfg.GroupResource, ErrNoUniqueIndex)
	}
	need, err := c.minimumRevision(ctx, "")
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrNotFresh, err)
	}
	if !c.waitFor(ctx, need) {
		return nil, false, ErrNotFresh
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.holds(need) {
		return nil, false, ErrNotFresh
	}
	keys := c.keysForUnique(value, c.prefix, true)
	if len(keys) == 0 {
		return nil, false, nil
	}
	return c.items[keys[0]], true, nil
}

// GetList implements storage.Interface.
func (c *Cache) GetList(ctx context.Context, key string, opts storage.ListOptions, listObj runtime.Object) error {
	keyPrefix, err := storage.PrepareKey(c.prefix, key, opts.Recursive)
	if err != nil {
		return err
	}
	withRev, continueKey, err := storage.ValidateListOptions(keyPrefix, c.Interface.Versioner(), opts)
	if err != nil {
		return err
	}
	// Exact revisions and continuations need history the cache lacks.
	if withRev != 0 || continueKey != "" {
		c.cfg.Metrics.recordMiss("list", c.cfg.GroupResource)
		return c.Interface.GetList(ctx, key, opts, listObj)
	}
	need, err := c.minimumRevision(ctx, opts.ResourceVersion)
	if err != nil || !c.waitFor(ctx, need) {
		c.cfg.Metrics.recordMiss("list", c.cfg.GroupResource)
		return c.Interface.GetList(ctx, key, opts, listObj)
	}

	listPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(listPtr)
	if err != nil || v.Kind() != reflect.Slice {
		return fmt.Errorf("need ptr to slice: %v", err)
	}
	pred := opts.Predicate
	paging := pred.Limit > 0

	if c.afterFresh != nil {
		c.afterFresh()
	}
	c.mu.RLock()
	if !c.holds(need) {
		c.mu.RUnlock()
		c.cfg.Metrics.recordMiss("list", c.cfg.GroupResource)
		return c.Interface.GetList(ctx, key, opts, listObj)
	}
	c.cfg.Metrics.recordHit("list", c.cfg.GroupResource)
	rev := c.rev
	var keys []string
	if value, ok := c.uniqueSelection(pred); ok {
		keys = c.keysForUnique(value, keyPrefix, opts.Recursive)
	} else if opts.Recursive {
		first := sort.SearchStrings(c.keys, keyPrefix)
		last := first
		for last < len(c.keys) && strings.HasPrefix(c.keys[last], keyPrefix) {
			last++
		}
		// Copied: apply shifts c.keys in place once the lock is released.
		keys = append([]string(nil), c.keys[first:last]...)
	} else if _, ok := c.items[keyPrefix]; ok {
		keys = []string{keyPrefix}
	}
	objs := make([]runtime.Object, len(keys))
	managed := make([]keptManaged, len(keys))
	for i, k := range keys {
		objs[i], managed[i] = c.items[k], c.managed[k]
	}
	c.mu.RUnlock()

	var lastKey string
	hasMore := false
	for i, obj := range objs {
		if paging && int64(v.Len()) >= pred.Limit {
			hasMore = true
			break
		}
		lastKey = keys[i]
		if matched, err := pred.Matches(obj); err != nil || !matched {
			continue
		}
		copied := withManagedFields(obj.DeepCopyObject(), managed[i])
		v.Set(reflect.Append(v, reflect.ValueOf(copied).Elem()))
	}
	continueValue, remaining, err := storage.PrepareContinueToken(lastKey, keyPrefix, int64(rev), int64(len(keys)), hasMore, opts)
	if err != nil {
		return err
	}
	if v.IsNil() {
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	}
	if err := c.Interface.Versioner().UpdateList(listObj, rev, continueValue, remaining); err != nil {
		return err
	}
	if utilfeature.DefaultFeatureGate.Enabled(features.ShardedListAndWatch) {
		pred.SetShardInfoOnList(listObj)
	}
	return nil
}

// holds reports whether the cache can answer a read that waitFor found it fresh enough for:
// a reset (the store went back, the cache's watch failed) may have emptied it since waitFor
// released c.mu, and a relist may have replaced it with an older revision. Callers hold c.mu.
func (c *Cache) holds(need uint64) bool {
	return c.ready.Load() && c.rev >= need
}

// into stores a copy of a cached object (copyOf) in the caller's object.
func into(copied, out runtime.Object) error {
	outVal, err := conversion.EnforcePtr(out)
	if err != nil {
		return fmt.Errorf("unable to convert output object to pointer: %w", err)
	}
	objVal, err := conversion.EnforcePtr(copied)
	if err != nil {
		return err
	}
	if !objVal.Type().AssignableTo(outVal.Type()) {
		return fmt.Errorf("cached %v cannot be stored in %v", objVal.Type(), outVal.Type())
	}
	outVal.Set(objVal)
	return nil
}
