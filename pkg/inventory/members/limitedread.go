package members

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// memberLimits are the limits on what one member's sync reads: its Nodes, StorageClasses and
// Cluster API MachineDeployments and MachineSets.
type memberLimits struct {
	nodes, classes, deployments, sets *objectLimit
}

func newMemberLimits(maxNodes int) *memberLimits {
	nodes := newNodeLimit(maxNodes)
	// A MachineDeployment or MachineSet may have no Machines: as many of each as Nodes.
	capi := "--inventory-member-max-nodes"
	return &memberLimits{
		nodes:       nodes,
		classes:     newObjectLimit("StorageClasses", v1alpha1.ReasonTooManyObjects, "the most netweave reads of one member", MaxStorageClasses),
		deployments: newObjectLimit("Cluster API MachineDeployments", v1alpha1.ReasonTooManyObjects, capi, nodes.max),
		sets:        newObjectLimit("Cluster API MachineSets", v1alpha1.ReasonTooManyObjects, capi, nodes.max),
	}
}

// all lists the limits, the Nodes' first: theirs is the condition shown when several apply.
func (m *memberLimits) all() []*objectLimit {
	return []*objectLimit{m.nodes, m.classes, m.deployments, m.sets}
}

// condition is the DeploymentManager's InventoryComplete condition: nil while every object is
// read.
func (m *memberLimits) condition() *metav1.Condition {
	for _, l := range m.all() {
		if c := l.condition(); c != nil {
			return c
		}
	}
	return nil
}

// nodeInformer is the member's Node informer (what the shared informer factory's would be),
// reading through the limit.
func (m *memberLimits) nodeInformer(client kubernetes.Interface, resync time.Duration) cache.SharedIndexInformer {
	nodes := client.CoreV1().Nodes()
	return typedInformer(m.nodes.listWatch(listOf(nodes.List), nodes.Watch), client, &corev1.Node{}, resync)
}

// classInformer is the member's StorageClass informer, reading through the limit.
func (m *memberLimits) classInformer(client kubernetes.Interface, resync time.Duration) cache.SharedIndexInformer {
	classes := client.StorageV1().StorageClasses()
	return typedInformer(m.classes.listWatch(listOf(classes.List), classes.Watch), client, &storagev1.StorageClass{}, resync)
}

// listOf is a typed client's List as a ListWatch's (no typed nil in the interface on error).
func listOf[L runtime.Object](list func(context.Context, metav1.ListOptions) (L, error)) func(context.Context, metav1.ListOptions) (runtime.Object, error) {
	return func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		l, err := list(ctx, opts)
		if err != nil {
			return nil, err
		}
		return l, nil
	}
}

func typedInformer(lw *cache.ListWatch, client kubernetes.Interface, obj runtime.Object, resync time.Duration) cache.SharedIndexInformer {
	// As client-go's own informers do: a client that cannot stream lists (a fake) is listed.
	return cache.NewSharedIndexInformerWithOptions(cache.ToListWatcherWithWatchListSemantics(lw, client), obj, cache.SharedIndexInformerOptions{
		ResyncPeriod: resync,
		Indexers:     cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc},
	})
}

// dynamic wraps the member's dynamic client so that its Cluster API MachineDeployments and
// MachineSets are read through their limits (the inventory sync reads them with dynamic
// informers, which list and watch through Resource(gvr).Namespace(ns)). Each limit mirrors one
// informer's store (a list starts it over): only the sync's one informer of each kind may read
// through the wrapper.
func (m *memberLimits) dynamic(client dynamic.Interface) dynamic.Interface {
	if client == nil {
		return nil
	}
	return limitedDynamic{Interface: client, limits: m}
}

type limitedDynamic struct {
	dynamic.Interface
	limits *memberLimits
}

func (d limitedDynamic) Resource(gvr schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	r := d.Interface.Resource(gvr)
	if gvr.Group != clusterapi.Clusters.Group {
		return r
	}
	switch gvr.Resource {
	case "machinedeployments":
		return limitedResource{NamespaceableResourceInterface: r, limit: d.limits.deployments}
	case "machinesets":
		return limitedResource{NamespaceableResourceInterface: r, limit: d.limits.sets}
	}
	return r
}

// IsWatchListSemanticsUnSupported tells client-go's informers whether the client beneath can
// stream lists, as it would without the wrapper.
func (d limitedDynamic) IsWatchListSemanticsUnSupported() bool {
	u, ok := d.Interface.(interface{ IsWatchListSemanticsUnSupported() bool })
	return ok && u.IsWatchListSemanticsUnSupported()
}

// limitedResource reads a resource of every namespace or of one through the limit.
type limitedResource struct {
	dynamic.NamespaceableResourceInterface
	limit *objectLimit
}

func (r limitedResource) Namespace(ns string) dynamic.ResourceInterface {
	return limitedNamespaced{ResourceInterface: r.NamespaceableResourceInterface.Namespace(ns), limit: r.limit}
}

func (r limitedResource) List(ctx context.Context, opts metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	return limitedNamespaced{ResourceInterface: r.NamespaceableResourceInterface, limit: r.limit}.List(ctx, opts)
}

func (r limitedResource) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return limitedNamespaced{ResourceInterface: r.NamespaceableResourceInterface, limit: r.limit}.Watch(ctx, opts)
}

type limitedNamespaced struct {
	dynamic.ResourceInterface
	limit *objectLimit
}

func (r limitedNamespaced) List(ctx context.Context, opts metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	list, err := r.ResourceInterface.List(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := r.limit.listed(list, opts.Continue == ""); err != nil {
		return nil, err
	}
	return list, nil
}

func (r limitedNamespaced) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	w, err := r.ResourceInterface.Watch(ctx, opts)
	if err != nil {
		return nil, err
	}
	return r.limit.watching(w, opts), nil
}
