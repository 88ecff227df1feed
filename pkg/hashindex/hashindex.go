// Package hashindex indexes informer caches by fields whose values are unique or nearly so (O2
// ids, asset ids) at a fraction of the memory of a client-go index on the value itself.
//
// client-go keeps an index as value → set of store keys, so a unique value costs a set of one
// (~200 bytes: a map header and a group of eight slots) per object and index. A hashed index
// keeps client-go's index but on a bucket of the value (one of Buckets hashes) instead of the
// value: objects share the buckets' sets, which cost ~20–40 bytes per object. client-go still
// maintains it under the store's lock, in the same update as the store, so a lookup through it
// sees exactly what the store holds (never an event handler's lagging copy); a lookup reads the
// bucket's few objects and keeps those whose value is the one asked for (Find).
//
// Reading a bucket allocates its list (client-go's ByIndex); Cache sits in front for lookups
// on a hot path (an O2 GET by id): it remembers, per value, the one object that claimed it the
// last time it was found, and answers from the store by key, allocation-free, as long as the
// store still holds that very object.
package hashindex

import (
	"strconv"
	"strings"
	"sync"

	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/fieldvalue"
)

// Buckets is the number of buckets a hashed index spreads values over: with 10,000 objects a
// bucket holds ~10, with 100,000 ~100 (what a lookup that misses the Cache reads).
const Buckets = 1024

// ValueFunc is the value of the indexed field of an object ("" when it has none), in the form
// lookups ask for.
type ValueFunc func(obj any) (string, error)

// Bucket is the bucket of value, the value a hashed index keeps.
func Bucket(value string) string {
	// FNV-1a, inline: hash/fnv's hasher and the []byte conversion would allocate.
	h := uint32(2166136261)
	for i := 0; i < len(value); i++ {
		h ^= uint32(value[i])
		h *= 16777619
	}
	return strconv.FormatUint(uint64(h%Buckets), 36)
}

// IndexFunc indexes objects by the bucket of their value; objects without a value are not
// indexed.
func IndexFunc(value ValueFunc) cache.IndexFunc {
	return func(obj any) ([]string, error) {
		v, err := value(obj)
		if err != nil || v == "" {
			return nil, err
		}
		return []string{Bucket(v)}, nil
	}
}

// Find returns the objects of indexer whose value is v, read through the hashed index named
// index: the one with the smallest store key (a deterministic answer should several claim v),
// its key, and how many objects claim v.
func Find(indexer cache.Indexer, index string, value ValueFunc, v string) (obj any, key string, claimants int, err error) {
	if v == "" {
		return nil, "", 0, nil
	}
	objs, err := indexer.ByIndex(index, Bucket(v))
	if err != nil {
		return nil, "", 0, err
	}
	for _, o := range objs {
		if got, err := value(o); err != nil || got != v {
			continue
		}
		k, err := cache.MetaNamespaceKeyFunc(o)
		if err != nil {
			continue
		}
		claimants++
		if obj == nil || k < key {
			obj, key = o, k
		}
	}
	return obj, key, claimants, nil
}

// All returns every object of indexer whose value is v, read through the hashed index named
// index, for values several objects share.
func All(indexer cache.Indexer, index string, value ValueFunc, v string) ([]any, error) {
	if v == "" {
		return nil, nil
	}
	objs, err := indexer.ByIndex(index, Bucket(v))
	if err != nil {
		return nil, err
	}
	out := objs[:0]
	for _, o := range objs {
		if got, err := value(o); err == nil && got == v {
			out = append(out, o)
		}
	}
	return out, nil
}

// Cache answers lookups by value on a hashed index without reading the bucket each time. It
// remembers, per value looked up, the store key and the object found when exactly one object
// claimed the value; a later lookup returns the store's object at that key if it is still the
// very same object (an update or a re-create at the key stores a new one, and the lookup
// reads the bucket again). Memory is bounded by the objects looked up that still exist:
// Forget drops an object's entry when the informer sees it go.
//
// The one case the store check cannot see is a second object claiming a remembered value
// (ids are unique per kind, so only a misbehaving writer does this): Forget, called for every
// add and update, drops the entry then, so the answer becomes the deterministic one as soon as
// the informer's handlers have seen the second object. Forget also drops the entry of an
// object the informer replaced (an update, a relist), so that no entry keeps an object the
// store no longer holds alive for long.
type Cache struct {
	indexer cache.Indexer
	index   string
	value   ValueFunc

	mu   sync.RWMutex
	hits map[string]hit
}

type hit struct {
	key string
	obj any
}

// NewCache reads indexer's hashed index named index, whose objects have value.
func NewCache(indexer cache.Indexer, index string, value ValueFunc) *Cache {
	return &Cache{indexer: indexer, index: index, value: value, hits: map[string]hit{}}
}

// Get returns the object whose value is v (the one with the smallest store key if several
// claim it), or false.
func (c *Cache) Get(v string) (any, bool) {
	c.mu.RLock()
	h, ok := c.hits[v]
	c.mu.RUnlock()
	if ok {
		if cur, exists, err := c.indexer.GetByKey(h.key); err == nil && exists && cur == h.obj {
			return cur, true
		}
	}
	obj, key, n, err := Find(c.indexer, c.index, c.value, v)
	if err != nil {
		return nil, false
	}
	c.mu.Lock()
	if n == 1 {
		c.hits[v] = hit{key: key, obj: obj}
	} else {
		delete(c.hits, v)
	}
	c.mu.Unlock()
	return obj, n > 0
}

// Forget drops what the cache remembers of obj's value, unless it is obj itself and obj is
// not gone: call it with deleted=false for every object the informer adds or updates (an
// update stores a new object: the entry, which would keep the old one alive, goes), with
// deleted=true for every object it deletes (a cache.DeletedFinalStateUnknown too).
func (c *Cache) Forget(obj any, deleted bool) {
	c.mu.RLock()
	empty := len(c.hits) == 0
	c.mu.RUnlock()
	if empty { // nothing looked up yet (the informer's initial list): skip reading the object
		return
	}
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	v, err := c.value(obj)
	if err != nil || v == "" {
		return
	}
	c.mu.RLock()
	h, ok := c.hits[v]
	c.mu.RUnlock()
	if !ok || (!deleted && h.obj == obj) {
		return
	}
	c.mu.Lock()
	if h, ok := c.hits[v]; ok && (deleted || h.obj != obj) {
		delete(c.hits, v)
	}
	c.mu.Unlock()
}

// Len is how many values the cache remembers.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.hits)
}

// Name is the name of the hashed index of the field at path (a field selector path such as
// "spec.resourceId"): every component indexing the same field of the same informer uses this
// name and Field(path), so the index is kept once however many read it.
func Name(path string) string { return "hashed:" + path }

// Field is the ValueFunc of the field at path (a field selector path), in Fold form.
func Field(path string) ValueFunc {
	return func(obj any) (string, error) {
		v, err := fieldvalue.Value(obj, path)
		if err != nil {
			return "", err
		}
		return Fold(v), nil
	}
}

// Fold is the form values take in the indexes: UUIDs fold to lower case (O2 compares them
// case-insensitively), anything else is kept exactly.
func Fold(v string) string {
	if validation.IsUUID(v) {
		return strings.ToLower(v)
	}
	return v
}
