// Package o2informers holds the one factory of o2ims.oran.org informers a netweave process
// runs: the O2 REST face, the inventory sync, the alarm side and the notifier read the same
// caches, so the inventory is decoded and held once (besides the API server's own read cache),
// not once per component.
//
// The factory is built once, every O2 kind of pkg/o2rest/model's table is requested before it
// starts, and the process starts it after every component has registered what it adds at
// start-up (indexes, handlers), as in the sample-controller pattern. Components that run only
// while their replica leads (the inventory sync and the alarm side, the notifier) work on a
// Term: a view of the same informers whose Start and Shutdown do not start or stop them, and
// whose Shutdown removes the event handlers the term added, so that a replica that leads,
// loses the lease and leads again ends up with one set of handlers, not two. An informer a
// term asks for that the factory does not run yet is started by the term's WaitForCacheSync.
//
// In the API server the informers are fed in-process from its read caches (a Feed): they hold
// the caches' own objects, so the process decodes and holds the inventory once. Without a
// feed (tests) they list and watch through the client.
//
// The informers drop managedFields from what they cache (nothing that reads them uses it; an
// update sent from a cached copy keeps the stored managedFields, as the API server does for
// any update without them).
package o2informers

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/generated/informers/externalversions/internalinterfaces"
	"github.com/netweave-io/netweave/generated/informers/externalversions/o2dms"
	"github.com/netweave-io/netweave/generated/informers/externalversions/o2ims"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// Shared is the process's factory of O2 informers.
type Shared struct {
	factory externalversions.SharedInformerFactory
	// started is closed once Start ran: a term waits for it before it trusts the caches.
	started   chan struct{}
	startOnce sync.Once
	// stop is the done channel of Start's context, set before started is closed: a term
	// starts with it the informers it asked for after Start (the factory's Start starts only
	// those not yet running).
	stop <-chan struct{}
}

// Feed lists and watches resources in-process (cachefeed.Feed: the API server's read caches).
type Feed interface {
	// Resources are the resources the feed serves.
	Resources() []schema.GroupVersionResource
	// ListerWatcher is what an informer of gvr lists and watches, and an empty object of the
	// type it holds.
	ListerWatcher(gvr schema.GroupVersionResource) (cache.ListerWatcher, runtime.Object, error)
}

// New builds the factory with an informer for every O2 kind; nothing runs until Start. The
// informers of the resources feed serves read the feed; the others, client (nil when the feed
// serves every kind).
func New(client versioned.Interface, resync time.Duration, feed Feed) (*Shared, error) {
	f := externalversions.NewSharedInformerFactoryWithOptions(client, resync, externalversions.WithTransform(StripManagedFields))
	fed := map[schema.GroupVersionResource]bool{}
	if feed != nil {
		for _, gvr := range feed.Resources() {
			fed[gvr] = true
			lw, example, err := feed.ListerWatcher(gvr)
			if err != nil {
				return nil, fmt.Errorf("informer of %s: %w", gvr.Resource, err)
			}
			// Registered first, so that the factory's typed accessors find this informer
			// instead of building one on the client.
			f.InformerFor(example, func(_ versioned.Interface, resync time.Duration) cache.SharedIndexInformer {
				return cache.NewSharedIndexInformer(lw, example, resync, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
			})
		}
	}
	for _, k := range model.Kinds() {
		gvr := v1alpha1.SchemeGroupVersion.WithResource(k.KubernetesResource())
		if client == nil && !fed[gvr] {
			return nil, fmt.Errorf("informer of %s: neither fed nor a client", gvr.Resource)
		}
		if _, err := f.ForResource(gvr); err != nil {
			return nil, fmt.Errorf("informer of %s: %w", gvr.Resource, err)
		}
	}
	// The notifier's NfDeploymentSubscriptions (o2dms.oran.org; not an O2-IMS kind).
	f.O2dms().V1alpha1().NfDeploymentSubscriptions().Informer()
	return &Shared{factory: f, started: make(chan struct{})}, nil
}

// Factory is the factory itself, for components that live as long as the process: they add
// their indexes and handlers before Start.
func (s *Shared) Factory() externalversions.SharedInformerFactory { return s.factory }

// Start runs every informer until ctx ends. Only the first call starts them.
func (s *Shared) Start(ctx context.Context) {
	s.startOnce.Do(func() {
		s.stop = ctx.Done()
		s.factory.Start(s.stop)
		close(s.started)
	})
}

// Shutdown waits for the informers to stop once the context given to Start is done.
func (s *Shared) Shutdown() { s.factory.Shutdown() }

// StripManagedFields is the informers' transform: managedFields are dropped from every object
// before it is cached.
func StripManagedFields(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil && m.GetManagedFields() != nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

// Term returns a view of the informers for a component that runs for one leader term; its
// Shutdown ends the term.
func (s *Shared) Term() *Term {
	return &Term{shared: s, wrapped: map[cache.SharedIndexInformer]*termInformer{}}
}

// Term is the shared factory as one leader term uses it. It implements
// externalversions.SharedInformerFactory:
//   - Start does nothing (the process starts the informers) and WaitForCacheSync waits for the
//     process to have started them, for them to have synced, and for the handlers the term
//     added to have been told about every cached object;
//   - AddIndexers adds only the indexes the informer does not have yet (a later term adds the
//     same ones again), AddEventHandler records the registration;
//   - Shutdown removes the term's handlers and leaves the informers running.
type Term struct {
	shared *Shared

	mu      sync.Mutex
	wrapped map[cache.SharedIndexInformer]*termInformer
	regs    []registration
	ended   bool
}

type registration struct {
	informer cache.SharedIndexInformer
	reg      cache.ResourceEventHandlerRegistration
}

var _ externalversions.SharedInformerFactory = (*Term)(nil)

// Start implements SharedInformerFactory: the informers are the process's to start.
func (*Term) Start(<-chan struct{}) {}

// StartWithContext implements SharedInformerFactory, like Start.
func (*Term) StartWithContext(context.Context) {}

// Shutdown removes the event handlers the term added. The term must not be used afterwards.
func (t *Term) Shutdown() {
	t.mu.Lock()
	regs := t.regs
	t.regs, t.ended = nil, true
	t.mu.Unlock()
	for _, r := range regs {
		// Fails only for a registration of another informer, which track never records.
		_ = r.informer.RemoveEventHandler(r.reg)
	}
}

// WaitForCacheSync implements SharedInformerFactory: it returns once the process started the
// informers and every informer the term uses, and every handler it added, has synced, or stop
// is closed. The result has an entry per informer the term uses.
func (t *Term) WaitForCacheSync(stop <-chan struct{}) map[reflect.Type]bool {
	select {
	case <-t.shared.started:
		// An informer of a kind New did not request, asked for through this term after the
		// process started the factory, would otherwise never run and never sync.
		t.shared.factory.Start(t.shared.stop)
	case <-stop:
	}
	t.mu.Lock()
	checks := map[reflect.Type][]cache.InformerSynced{}
	for shared, ti := range t.wrapped {
		checks[ti.typ] = append(checks[ti.typ], shared.HasSynced)
	}
	for _, r := range t.regs {
		typ := t.wrapped[r.informer].typ
		checks[typ] = append(checks[typ], r.reg.HasSynced)
	}
	t.mu.Unlock()
	out := make(map[reflect.Type]bool, len(checks))
	for typ, synced := range checks {
		out[typ] = cache.WaitForCacheSync(stop, synced...)
	}
	return out
}

// WaitForCacheSyncWithContext implements SharedInformerFactory, like WaitForCacheSync.
func (t *Term) WaitForCacheSyncWithContext(ctx context.Context) cache.SyncResult {
	synced := t.WaitForCacheSync(ctx.Done())
	res := cache.SyncResult{Synced: synced}
	if ctx.Err() != nil {
		for _, ok := range synced {
			if !ok {
				res.Err = context.Cause(ctx)
				break
			}
		}
	}
	return res
}

// InformerFor implements SharedInformerFactory: the process's informer of obj's type, seen
// through the term.
func (t *Term) InformerFor(obj runtime.Object, newFunc internalinterfaces.NewInformerFunc) cache.SharedIndexInformer {
	return t.wrap(t.shared.factory.InformerFor(obj, newFunc), reflect.TypeOf(obj))
}

// InformerName implements SharedInformerFactory.
func (t *Term) InformerName() *cache.InformerName { return t.shared.factory.InformerName() }

// ForResource implements SharedInformerFactory.
func (t *Term) ForResource(resource schema.GroupVersionResource) (externalversions.GenericInformer, error) {
	g, err := t.shared.factory.ForResource(resource)
	if err != nil {
		return nil, err
	}
	return genericInformer{GenericInformer: g, informer: t.wrap(g.Informer(), nil)}, nil
}

// O2ims implements SharedInformerFactory.
func (t *Term) O2ims() o2ims.Interface { return o2ims.New(t, "", nil) }

// O2dms implements SharedInformerFactory: the o2dms.oran.org informers through the term.
func (t *Term) O2dms() o2dms.Interface { return o2dms.New(t, "", nil) }

type genericInformer struct {
	externalversions.GenericInformer
	informer cache.SharedIndexInformer
}

func (g genericInformer) Informer() cache.SharedIndexInformer { return g.informer }

func (t *Term) wrap(shared cache.SharedIndexInformer, typ reflect.Type) *termInformer {
	t.mu.Lock()
	defer t.mu.Unlock()
	ti := t.wrapped[shared]
	if ti == nil {
		ti = &termInformer{SharedIndexInformer: shared, term: t, typ: typ}
		t.wrapped[shared] = ti
	}
	if ti.typ == nil {
		ti.typ = typ
	}
	return ti
}

// track records a handler registration; after Shutdown it removes it at once.
func (t *Term) track(informer cache.SharedIndexInformer, reg cache.ResourceEventHandlerRegistration) {
	t.mu.Lock()
	ended := t.ended
	if !ended {
		t.regs = append(t.regs, registration{informer: informer, reg: reg})
	}
	t.mu.Unlock()
	if ended {
		_ = informer.RemoveEventHandler(reg)
	}
}

// untrack forgets a registration its component removed.
func (t *Term) untrack(reg cache.ResourceEventHandlerRegistration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for n, r := range t.regs {
		if r.reg == reg {
			t.regs = append(t.regs[:n], t.regs[n+1:]...)
			return
		}
	}
}

// termInformer is a process informer as a term uses it.
type termInformer struct {
	cache.SharedIndexInformer
	term *Term
	typ  reflect.Type
}

func (i *termInformer) AddEventHandler(h cache.ResourceEventHandler) (cache.ResourceEventHandlerRegistration, error) {
	return i.AddEventHandlerWithOptions(h, cache.HandlerOptions{})
}

func (i *termInformer) AddEventHandlerWithResyncPeriod(h cache.ResourceEventHandler, resync time.Duration) (cache.ResourceEventHandlerRegistration, error) {
	return i.AddEventHandlerWithOptions(h, cache.HandlerOptions{ResyncPeriod: &resync})
}

func (i *termInformer) AddEventHandlerWithOptions(h cache.ResourceEventHandler, opts cache.HandlerOptions) (cache.ResourceEventHandlerRegistration, error) {
	reg, err := i.SharedIndexInformer.AddEventHandlerWithOptions(h, opts)
	if err != nil {
		return nil, err
	}
	i.term.track(i.SharedIndexInformer, reg)
	return reg, nil
}

// RemoveEventHandler removes a handler the term added. The term forgets it too: a removed
// handler is never told of the cached objects, so WaitForCacheSync must not wait for it, and a
// component that adds and removes handlers during a term must not grow the term's list.
func (i *termInformer) RemoveEventHandler(reg cache.ResourceEventHandlerRegistration) error {
	if err := i.SharedIndexInformer.RemoveEventHandler(reg); err != nil {
		return err
	}
	i.term.untrack(reg)
	return nil
}

// AddIndexers adds the indexes the informer does not have yet. An index of the same name is
// taken to be the same index: the one a previous term of the same component added.
func (i *termInformer) AddIndexers(indexers cache.Indexers) error {
	existing := i.GetIndexer().GetIndexers()
	missing := cache.Indexers{}
	for name, fn := range indexers {
		if _, ok := existing[name]; !ok {
			missing[name] = fn
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return i.SharedIndexInformer.AddIndexers(missing)
}

// Run does nothing: the process runs the informer.
func (*termInformer) Run(<-chan struct{}) {}

// RunWithContext does nothing, like Run.
func (*termInformer) RunWithContext(context.Context) {}
