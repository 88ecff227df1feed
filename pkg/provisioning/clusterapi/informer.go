package clusterapi

import (
	"context"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/firstlist"
)

// Informers are namespaced informers of one Cluster API resource, one per namespace, so
// netweave needs RBAC in those namespaces only; their caches hold typed objects. A namespace
// netweave cannot read (its Role missing) holds back only what depends on it there: Run does
// not wait for it once its first list failed, and Unread names it to the callers.
type Informers struct {
	resource    schema.GroupVersionResource
	byNamespace map[string]*namespaced
}

// namespaced is one namespace's informer and its first list.
type namespaced struct {
	cache.SharedIndexInformer
	first *firstlist.Watch
}

// NewInformers returns informers of resource in each of namespaces, decoding with decode
// (DecodeCluster, DecodeClusterClass, DecodeMachine). Nothing runs until Run.
func NewInformers(client dynamic.Interface, resource schema.GroupVersionResource, namespaces []string,
	decode func(*unstructured.Unstructured) (runtime.Object, error)) (*Informers, error) {
	in := &Informers{resource: resource, byNamespace: map[string]*namespaced{}}
	for _, ns := range namespaces {
		if _, ok := in.byNamespace[ns]; ok {
			continue
		}
		inf := dynamicinformer.NewFilteredDynamicInformer(client, resource, ns, 0,
			cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}, nil).Informer()
		if err := inf.SetTransform(transform(decode)); err != nil {
			return nil, fmt.Errorf("informer of %s in %s: %w", resource.Resource, ns, err)
		}
		first, err := firstlist.Track(inf, func(ctx context.Context, err error) {
			klog.FromContext(ctx).Error(err, "Cannot list Cluster API objects in a namespace; what depends on them there waits until "+
				"they can be read (RBAC: get, list and watch there)", "resource", resource.Resource, "namespace", ns)
		})
		if err != nil {
			return nil, fmt.Errorf("informer of %s in %s: %w", resource.Resource, ns, err)
		}
		in.byNamespace[ns] = &namespaced{SharedIndexInformer: inf, first: first}
	}
	return in, nil
}

// AddIndexers adds indexers to every namespace's informer; call it before Run. They index the
// typed objects the caches hold.
func (in *Informers) AddIndexers(indexers cache.Indexers) error {
	for ns, inf := range in.byNamespace {
		if err := inf.AddIndexers(indexers); err != nil {
			return fmt.Errorf("indexers on informer in %s: %w", ns, err)
		}
	}
	return nil
}

// ByIndex returns the cached objects of namespace whose index value is value; none when the
// namespace is not watched.
func (in *Informers) ByIndex(namespace, index, value string) ([]any, error) {
	inf, ok := in.byNamespace[namespace]
	if !ok {
		return nil, nil
	}
	out, err := inf.GetIndexer().ByIndex(index, value)
	if err != nil {
		return nil, fmt.Errorf("index %s of %s: %w", index, namespace, err)
	}
	return out, nil
}

// AddEventHandler adds h to every namespace's informer.
func (in *Informers) AddEventHandler(h cache.ResourceEventHandler) error {
	for ns, inf := range in.byNamespace {
		if _, err := inf.AddEventHandler(h); err != nil {
			return fmt.Errorf("handler on informer in %s: %w", ns, err)
		}
	}
	return nil
}

// Run runs the informers until ctx ends and waits until each namespace has been listed or its
// first list failed (logged, naming it): one namespace netweave cannot read does not hold back
// the others. It returns the namespaces not read yet (their informers keep trying; Unread
// tells when they are), and ctx's error if it ended first.
func (in *Informers) Run(ctx context.Context) ([]string, error) {
	watches := make([]*firstlist.Watch, 0, len(in.byNamespace))
	for _, n := range in.byNamespace {
		go n.RunWithContext(ctx)
		watches = append(watches, n.first)
	}
	if err := firstlist.Wait(ctx, watches...); err != nil {
		return nil, fmt.Errorf("wait for the %s caches: %w", in.resource.Resource, err)
	}
	return in.UnreadNamespaces(), nil
}

// Unread reports whether namespace is watched and its objects have not been listed yet: what
// is cached of it says nothing (an object not there may exist).
func (in *Informers) Unread(namespace string) bool {
	n, ok := in.byNamespace[namespace]
	return ok && !n.first.Read()
}

// UnreadNamespaces are the watched namespaces not listed yet, sorted; none once all are.
func (in *Informers) UnreadNamespaces() []string {
	var out []string
	for ns, n := range in.byNamespace {
		if !n.first.Read() {
			out = append(out, ns)
		}
	}
	slices.Sort(out)
	return out
}

// Get returns the cached object namespace/name, nil when there is none or the namespace is
// not watched.
func (in *Informers) Get(namespace, name string) (any, error) {
	inf, ok := in.byNamespace[namespace]
	if !ok {
		return nil, nil
	}
	obj, exists, err := inf.GetIndexer().GetByKey(namespace + "/" + name)
	if err != nil || !exists {
		return nil, err
	}
	return obj, nil
}

// Watches reports whether namespace is watched.
func (in *Informers) Watches(namespace string) bool {
	_, ok := in.byNamespace[namespace]
	return ok
}

// List returns every cached object of namespace.
func (in *Informers) List(namespace string) []any {
	inf, ok := in.byNamespace[namespace]
	if !ok {
		return nil
	}
	return inf.GetStore().List()
}

// Namespaces are the watched namespaces.
func (in *Informers) Namespaces() []string {
	out := make([]string, 0, len(in.byNamespace))
	for ns := range in.byNamespace {
		out = append(out, ns)
	}
	return out
}
