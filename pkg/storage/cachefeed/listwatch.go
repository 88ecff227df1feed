package cachefeed

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/pkg/storage/readcache"
)

// listWatch lists and watches one read cache, converting to one served kind.
type listWatch struct {
	scheme *runtime.Scheme
	gvk    schema.GroupVersionKind
	list   schema.GroupVersionKind
	cache  *readcache.Cache
	// internal is the pointer type of the cached (internal) objects; served, the served
	// struct type, when it has the same memory layout (see sameLayout), nil otherwise.
	internal, served reflect.Type
	// live counts this resource's watches whose reader holds the cache's state: a watch
	// resumed from a listed revision at once, a watch with initial events once it delivered
	// the bookmark that ends them (the reader swaps in the new state then).
	live atomic.Int32
}

// following reports whether a reader of this resource holds the cache's current state and
// receives its changes: the cache follows the store and a watch of it is live.
func (lw *listWatch) following() bool {
	return lw.cache.Following() && lw.live.Load() > 0
}

// newListWatch lists and watches c as gvk; internal is an empty object of the type c holds.
func newListWatch(scheme *runtime.Scheme, gvk schema.GroupVersionKind, c *readcache.Cache, internal runtime.Object) (*listWatch, *cache.ListWatch, error) {
	lw, err := newLister(scheme, gvk, c, internal)
	if err != nil {
		return nil, nil, err
	}
	return lw, &cache.ListWatch{ListWithContextFunc: lw.listFunc, WatchFuncWithContext: lw.watchFunc}, nil
}

func newLister(scheme *runtime.Scheme, gvk schema.GroupVersionKind, c *readcache.Cache, internal runtime.Object) (*listWatch, error) {
	list := gvk.GroupVersion().WithKind(gvk.Kind + "List")
	if !scheme.Recognizes(gvk) || !scheme.Recognizes(list) {
		return nil, fmt.Errorf("scheme has no %s or %s", gvk, list)
	}
	lw := &listWatch{scheme: scheme, gvk: gvk, list: list, cache: c, internal: reflect.TypeOf(internal)}
	example, err := scheme.New(gvk)
	if err != nil {
		return nil, err
	}
	if in, out := lw.internal, reflect.TypeOf(example); in.Kind() == reflect.Pointer && out.Kind() == reflect.Pointer &&
		sameLayout(in.Elem(), out.Elem(), map[[2]reflect.Type]bool{}) {
		lw.served = out.Elem()
	}
	return lw, nil
}

// listFunc lists the cache. The reflector lists only when watch-list is off (client-go's
// WatchListClient feature, on by default).
func (lw *listWatch) listFunc(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
	if err := unfiltered(opts); err != nil {
		return nil, err
	}
	if err := lw.waitReady(ctx); err != nil {
		return nil, err
	}
	objs, rev, err := lw.cache.ListShared(ctx, opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	items := make([]runtime.Object, len(objs))
	for i, obj := range objs {
		if items[i], err = lw.convert(obj); err != nil {
			return nil, err
		}
	}
	list, err := lw.scheme.New(lw.list)
	if err != nil {
		return nil, err
	}
	if err := meta.SetList(list, items); err != nil {
		return nil, err
	}
	listMeta, err := meta.ListAccessor(list)
	if err != nil {
		return nil, err
	}
	listMeta.SetResourceVersion(strconv.FormatUint(rev, 10))
	return list, nil
}

// watchFunc watches the cache.
func (lw *listWatch) watchFunc(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	if err := unfiltered(opts); err != nil {
		return nil, err
	}
	initial := opts.SendInitialEvents != nil && *opts.SendInitialEvents ||
		opts.ResourceVersion == "" || opts.ResourceVersion == "0" // as WatchShared reads them
	if err := lw.waitReady(ctx); err != nil {
		return nil, err
	}
	w, err := lw.cache.WatchShared(ctx, opts.ResourceVersion, initial)
	if err != nil {
		return nil, err
	}
	lv := &liveWatch{lw: lw}
	if !initial {
		lv.markLive()
	}
	lv.Interface = watch.Filter(w, func(ev watch.Event) (watch.Event, bool) {
		if ev.Type == watch.Error {
			return ev, true
		}
		if initial && ev.Type == watch.Bookmark {
			if m, err := meta.Accessor(ev.Object); err == nil && m.GetAnnotations()[metav1.InitialEventsAnnotationKey] == "true" {
				lv.markLive()
			}
		}
		obj, err := lw.convert(ev.Object)
		if err != nil {
			status := apierrors.NewInternalError(err).Status()
			return watch.Event{Type: watch.Error, Object: &status}, true
		}
		return watch.Event{Type: ev.Type, Object: obj}, true
	})
	return lv, nil
}

// waitReady waits until the cache can be read (see readcache.Cache.WaitReady).
func (lw *listWatch) waitReady(ctx context.Context) error {
	if lw.cache.WaitReady(ctx) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("read cache of %s stopped", lw.gvk.Kind)
}

// liveWatch counts a watch in its listWatch's live watches from markLive until Stop. The
// reflector stops every watch it ends, whether the watch ended or it gave up on it.
type liveWatch struct {
	watch.Interface
	lw *listWatch

	mu            sync.Mutex
	live, stopped bool
}

func (w *liveWatch) markLive() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.live && !w.stopped {
		w.live = true
		w.lw.live.Add(1)
	}
}

// Stop implements watch.Interface.
func (w *liveWatch) Stop() {
	w.mu.Lock()
	if w.live {
		w.lw.live.Add(-1)
	}
	w.live, w.stopped = false, true
	w.mu.Unlock()
	w.Interface.Stop()
}

// convert returns the served version of a cached (internal) object. When both types have the
// same memory layout (the generated conversions then copy the top-level struct and
// reinterpret everything below it) the result is the cached object itself, seen as the served
// type: the informer holds no copy at all. The read cache keeps managedFields beside its
// objects, so the informers' transform (it drops managedFields) finds none to drop and
// leaves the shared object alone. An object with a kind set (the cache's objects have none)
// is converted, as are types that differ: a new top-level struct pointing at what the cached
// object points to.
func (lw *listWatch) convert(obj runtime.Object) (runtime.Object, error) {
	if lw.served != nil && reflect.TypeOf(obj) == lw.internal && obj.GetObjectKind().GroupVersionKind().Empty() {
		if m, err := meta.Accessor(obj); err == nil && m.GetManagedFields() == nil {
			return reflect.NewAt(lw.served, reflect.ValueOf(obj).UnsafePointer()).Interface().(runtime.Object), nil
		}
	}
	out, err := lw.scheme.New(lw.gvk)
	if err != nil {
		return nil, err
	}
	if err := lw.scheme.Convert(obj, out, nil); err != nil {
		return nil, fmt.Errorf("convert to %s: %w", lw.gvk, err)
	}
	return out, nil
}

// unfiltered refuses selectors: the process's informers hold every object.
func unfiltered(opts metav1.ListOptions) error {
	if opts.LabelSelector != "" || opts.FieldSelector != "" {
		return apierrors.NewBadRequest("the read cache feed serves no selectors")
	}
	return nil
}
