// Package cachefeed feeds in-process informers from the API server's read caches: each
// served resource's cache is listed and watched as a client-go ListerWatcher whose objects
// are the cache's own, seen as the served version: where the served and internal types have
// the same memory layout (every o2ims and o2dms kind; checked at run time) the informer
// holds the cached object itself, otherwise a converted top-level struct pointing at what the
// cached object points to (the generated conversions of identical types reinterpret memory).
// The process's O2 informers and the API server thus hold the inventory decoded once,
// instead of once in the read cache and again in informers fed by a watch over the loopback
// connection. The read cache keeps managedFields beside its objects, so the informers'
// transform that drops them has nothing to change.
//
// What an informer gets is shared with the read cache, top-level fields included: informer
// readers must not modify cached objects, as client-go already requires; a violation would
// show in what the API serves.
package cachefeed

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/pkg/storage/readcache"
)

// Feed is the read caches of a process, by resource.
type Feed struct {
	scheme *runtime.Scheme
	// versions is the version each group is served at, the version informers read.
	versions map[string]string

	mu     sync.Mutex
	caches map[schema.GroupResource]source
	// readers are the listWatches handed out (one per informer), as a snapshot replaced on
	// each addition: Following reads it on every O2 request without taking mu.
	readers atomic.Pointer[[]*listWatch]
	// converters are the listers GetByUnique converts with, by resource, made on first use.
	converters map[schema.GroupResource]*listWatch
}

type source struct {
	cache   *readcache.Cache
	newFunc func() runtime.Object
}

// New returns an empty feed converting with scheme to the given served versions.
func New(scheme *runtime.Scheme, served []schema.GroupVersion) *Feed {
	versions := make(map[string]string, len(served))
	for _, gv := range served {
		versions[gv.Group] = gv.Version
	}
	return &Feed{scheme: scheme, versions: versions, caches: map[schema.GroupResource]source{},
		converters: map[schema.GroupResource]*listWatch{}}
}

// Add records the read cache of a resource; newFunc returns an empty (internal) object of it.
// The storage decorator adds each cache it builds.
func (f *Feed) Add(gr schema.GroupResource, c *readcache.Cache, newFunc func() runtime.Object) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.caches[gr] = source{cache: c, newFunc: newFunc}
}

// Resources are the served resources the feed has a cache of, in a stable order.
func (f *Feed) Resources() []schema.GroupVersionResource {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]schema.GroupVersionResource, 0, len(f.caches))
	for gr := range f.caches {
		if v, ok := f.versions[gr.Group]; ok {
			out = append(out, gr.WithVersion(v))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// ListerWatcher returns what an informer of gvr lists and watches, and an empty object of
// the type it holds.
func (f *Feed) ListerWatcher(gvr schema.GroupVersionResource) (cache.ListerWatcher, runtime.Object, error) {
	f.mu.Lock()
	src, ok := f.caches[gvr.GroupResource()]
	f.mu.Unlock()
	if !ok || f.versions[gvr.Group] != gvr.Version {
		return nil, nil, fmt.Errorf("no read cache serves %s", gvr)
	}
	kinds, _, err := f.scheme.ObjectKinds(src.newFunc())
	if err != nil {
		return nil, nil, fmt.Errorf("kind of %s: %w", gvr, err)
	}
	gvk := gvr.GroupVersion().WithKind(kinds[0].Kind)
	reader, lw, err := newListWatch(f.scheme, gvk, src.cache, src.newFunc())
	if err != nil {
		return nil, nil, err
	}
	example, err := f.scheme.New(gvk)
	if err != nil {
		return nil, nil, err
	}
	f.mu.Lock()
	var readers []*listWatch
	if old := f.readers.Load(); old != nil {
		readers = append(readers, *old...)
	}
	readers = append(readers, reader)
	f.readers.Store(&readers)
	f.mu.Unlock()
	return lw, example, nil
}

// Following reports whether every informer reading the feed holds its read cache's current
// state and receives its changes: each cache follows the store (it is loaded and its watch
// of the store is live) and the informer's watch of the cache is past its initial events.
// It turns false within the store client's read timeout of Redis becoming unreachable or
// going back, and stays false until the store reads Redis again (a restart or failover that
// lost nothing: the watches went on) or the informers have the state listed again (Redis went
// back); false also before the informers start. Once true again, an informer's indexer trails the cache by its
// event queue, as it always does (the new state is queued when the bookmark is received).
//
// What reads the informers answers from them only while this holds: otherwise a replica cut
// off from Redis would go on answering from what it last saw while other replicas write.
func (f *Feed) Following() bool {
	readers := f.readers.Load()
	if readers == nil {
		return false
	}
	for _, r := range *readers {
		if !r.following() {
			return false
		}
	}
	return true
}

// GetByUnique returns the object of gvr whose unique field (its O2 id) holds value, as of the
// store's current revision (readcache.Cache.GetByUnique), seen as the served version like the
// informers' objects, and shared with the read cache like them: the caller must not modify
// it. The informers trail the store: on a replica other than the one that wrote an object
// they miss it for a while, and a reader that found nothing there asks here before it
// answers that the object does not exist.
func (f *Feed) GetByUnique(ctx context.Context, gvr schema.GroupVersionResource, value string) (runtime.Object, bool, error) {
	conv, err := f.converter(gvr)
	if err != nil {
		return nil, false, err
	}
	obj, found, err := conv.cache.GetByUnique(ctx, value)
	if err != nil || !found {
		return nil, false, err
	}
	served, err := conv.convert(obj)
	if err != nil {
		return nil, false, err
	}
	return served, true, nil
}

// GetByName returns the object of gvr called name in namespace as of the store's current
// revision (the read cache's consistent Get, which reads the store when the cache cannot catch
// up), seen as the served version: for readers that found nothing in the informers, which
// trail the store. The object is a copy. Keys are the registry's, prefix/namespace/name.
func (f *Feed) GetByName(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string) (runtime.Object, bool, error) {
	conv, err := f.converter(gvr)
	if err != nil {
		return nil, false, err
	}
	// An empty object of the cached (internal) type.
	obj := reflect.New(conv.internal.Elem()).Interface().(runtime.Object)
	key := conv.cache.ResourcePrefix() + "/" + namespace + "/" + name
	if err := conv.cache.Get(ctx, key, storage.GetOptions{}, obj); err != nil {
		if storage.IsNotFound(err) {
			return nil, false, nil
		}
		return nil, false, err
	}
	served, err := conv.convert(obj)
	if err != nil {
		return nil, false, err
	}
	return served, true, nil
}

// ListFresh returns every object of gvr as of the store's current revision (the read cache's
// consistent shared list), seen as the served version and shared with the read cache like the
// informers' objects: the caller must not modify them. For checks that must see what other
// replicas have just written, which the informers may not hold yet.
func (f *Feed) ListFresh(ctx context.Context, gvr schema.GroupVersionResource) ([]runtime.Object, error) {
	conv, err := f.converter(gvr)
	if err != nil {
		return nil, err
	}
	objs, _, err := conv.cache.ListShared(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]runtime.Object, len(objs))
	for i, obj := range objs {
		if out[i], err = conv.convert(obj); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// converter returns the lister that converts gvr's cached objects to the served version.
func (f *Feed) converter(gvr schema.GroupVersionResource) (*listWatch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	gr := gvr.GroupResource()
	if conv, ok := f.converters[gr]; ok {
		return conv, nil
	}
	src, ok := f.caches[gr]
	if !ok || f.versions[gvr.Group] != gvr.Version {
		return nil, fmt.Errorf("no read cache serves %s", gvr)
	}
	kinds, _, err := f.scheme.ObjectKinds(src.newFunc())
	if err != nil {
		return nil, fmt.Errorf("kind of %s: %w", gvr, err)
	}
	conv, err := newLister(f.scheme, gvr.GroupVersion().WithKind(kinds[0].Kind), src.cache, src.newFunc())
	if err != nil {
		return nil, err
	}
	f.converters[gr] = conv
	return conv, nil
}
