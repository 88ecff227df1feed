package clusterapi

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
)

// Informers are namespaced informers of one Cluster API resource, one per namespace, so
// netweave needs RBAC in those namespaces only; their caches hold typed objects.
type Informers struct {
	byNamespace map[string]cache.SharedIndexInformer
}

// NewInformers returns informers of resource in each of namespaces, decoding with decode
// (DecodeCluster, DecodeClusterClass, DecodeMachine). Nothing runs until Run.
func NewInformers(client dynamic.Interface, resource schema.GroupVersionResource, namespaces []string,
	decode func(*unstructured.Unstructured) (runtime.Object, error)) (*Informers, error) {
	in := &Informers{byNamespace: map[string]cache.SharedIndexInformer{}}
	for _, ns := range namespaces {
		if _, ok := in.byNamespace[ns]; ok {
			continue
		}
		inf := dynamicinformer.NewFilteredDynamicInformer(client, resource, ns, 0,
			cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}, nil).Informer()
		if err := inf.SetTransform(transform(decode)); err != nil {
			return nil, fmt.Errorf("informer of %s in %s: %w", resource.Resource, ns, err)
		}
		in.byNamespace[ns] = inf
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

// Run runs the informers until stop is closed and waits for their caches to sync; false when
// stop was closed first.
func (in *Informers) Run(stop <-chan struct{}) bool {
	synced := make([]cache.InformerSynced, 0, len(in.byNamespace))
	for _, inf := range in.byNamespace {
		go inf.Run(stop)
		synced = append(synced, inf.HasSynced)
	}
	return cache.WaitForCacheSync(stop, synced...)
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
