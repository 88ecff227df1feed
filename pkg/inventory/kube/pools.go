package kube

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// PoolRef says which pool a node's Resource belongs to and where it lives.
type PoolRef struct {
	// Namespace of the Resource (and of the pool).
	Namespace string
	// Name of the pool object.
	Name string
	// ID is the pool's resourcePoolId.
	ID string
	// Foreign is true for pools an admin declared; the adapter never writes their spec.
	Foreign bool
	// Source is the pool's v1alpha1.AnnotationSource when the adapter owns it.
	Source string
	// DisplayName, Description and Extensions fill the spec of an owned pool.
	DisplayName string
	Description string
	Extensions  map[string]any
}

// CAPI looks up Cluster API objects; nil when the cluster has no Cluster API.
type CAPI interface {
	// MachineSet returns the MachineSet namespace/name, nil when there is none.
	MachineSet(namespace, name string) *MachineSetInfo
	// MachineDeployment returns the MachineDeployment namespace/name, nil when there is none.
	MachineDeployment(namespace, name string) *MachineSetInfo
	// Pools lists every MachineDeployment and every MachineSet no MachineDeployment owns.
	Pools() []*MachineSetInfo
}

// MachineSetInfo is what the adapter needs of a MachineSet or MachineDeployment.
type MachineSetInfo struct {
	Kind      string // MachineDeployment or MachineSet
	Namespace string
	Name      string
	UID       string
	// Deployment is the owning MachineDeployment of a MachineSet, when labelled.
	Deployment string
	// Cluster is the Cluster API Cluster (in Namespace) whose machines it makes; "" in a view
	// read back from the store (Adapter.storedCAPI), which does not record it.
	Cluster  string
	Replicas *int64
	// id is the pool's id as stored, for a view read back from the store (Adapter.storedCAPI),
	// which does not know the UID the id was derived from.
	id string
}

// poolSelector is a parsed admin pool.
type poolSelector struct {
	pool     *v1alpha1.ResourcePool
	selector labels.Selector
}

// IgnoredPool is an admin pool whose nodeSelector the resolver ignores: it claims no Nodes.
type IgnoredPool struct {
	Pool *v1alpha1.ResourcePool
	// Reason is v1alpha1.ReasonNamespaceNotAllowed or v1alpha1.ReasonInvalidNodeSelector;
	// Message says why in words.
	Reason, Message string
}

// PoolResolver places nodes in pools, in this order: the first admin pool (the inventory
// namespace's by name, then the node pool namespaces' by namespace/name) in a namespace that
// may claim Nodes whose spec.nodeSelector matches, the
// o2ims.oran.org/resource-pool label, the node's Cluster API MachineDeployment or MachineSet,
// the configured pool label, and else the default pool.
type PoolResolver struct {
	ids       inventory.IDs
	namespace string
	label     string
	capi      CAPI
	selectors []poolSelector
	ignored   []IgnoredPool
	released  []*v1alpha1.ResourcePool
}

// NewPoolResolver builds a resolver from the current pools. Candidates are the admin pools with
// a valid nodeSelector in a namespace nodePools allows; pools without a selector, pools the
// adapter owns and pools being deleted are not. An admin pool with a selector elsewhere, or
// with one that does not parse, is ignored (see IgnoredPools): a tenant's pool claims nothing.
func NewPoolResolver(ids inventory.IDs, namespace, label string, nodePools inventory.NodePoolNamespaces,
	pools []*v1alpha1.ResourcePool, capi CAPI) *PoolResolver {
	r := &PoolResolver{ids: ids, namespace: namespace, label: label, capi: capi}
	for _, p := range pools {
		if inventory.IsManaged(p) || p.DeletionTimestamp != nil || p.Spec.ResourcePoolID == "" {
			continue
		}
		if p.Spec.NodeSelector == nil {
			if meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ResourcePoolNodeSelectorAccepted) != nil {
				r.released = append(r.released, p)
			}
			continue
		}
		if !nodePools.Allows(p.Namespace) {
			r.ignored = append(r.ignored, IgnoredPool{Pool: p, Reason: v1alpha1.ReasonNamespaceNotAllowed,
				Message: "spec.nodeSelector is ignored: the operator does not let pools in namespace " + p.Namespace +
					" claim Nodes (--inventory-node-pool-namespaces); this pool holds no Nodes"})
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.NodeSelector)
		if err != nil {
			r.ignored = append(r.ignored, IgnoredPool{Pool: p, Reason: v1alpha1.ReasonInvalidNodeSelector,
				Message: "spec.nodeSelector is ignored: " + err.Error() + "; this pool holds no Nodes"})
			continue
		}
		r.selectors = append(r.selectors, poolSelector{pool: p, selector: sel})
	}
	sort.Slice(r.selectors, func(i, j int) bool {
		a, b := r.selectors[i].pool, r.selectors[j].pool
		// The operator's pools (the inventory namespace's) first: a node pool namespace may
		// claim Nodes, not take those the operator's own pools claim, whatever its name sorts
		// before.
		if (a.Namespace == namespace) != (b.Namespace == namespace) {
			return a.Namespace == namespace
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return r
}

// IgnoredPools are the admin pools with a nodeSelector that take no part in placement.
func (r *PoolResolver) IgnoredPools() []IgnoredPool { return r.ignored }

// ReleasedPools are the admin pools that no longer select Nodes but still carry the
// NodeSelectorAccepted condition.
func (r *PoolResolver) ReleasedPools() []*v1alpha1.ResourcePool { return r.released }

// ForeignPools are the admin pools that take part in placement.
func (r *PoolResolver) ForeignPools() []*v1alpha1.ResourcePool {
	out := make([]*v1alpha1.ResourcePool, 0, len(r.selectors))
	for _, s := range r.selectors {
		out = append(out, s.pool)
	}
	return out
}

// Resolve returns the pool of node.
func (r *PoolResolver) Resolve(node *corev1.Node) PoolRef {
	set := labels.Set(node.Labels)
	for _, s := range r.selectors {
		if s.selector.Matches(set) {
			return PoolRef{Namespace: s.pool.Namespace, Name: s.pool.Name, ID: s.pool.Spec.ResourcePoolID, Foreign: true}
		}
	}
	if v := node.Labels[v1alpha1.NodeLabelResourcePool]; v != "" {
		return r.labelPool(v1alpha1.NodeLabelResourcePool, v)
	}
	if ref, ok := r.capiPool(node); ok {
		return ref
	}
	if v := node.Labels[r.label]; r.label != "" && v != "" {
		return r.labelPool(r.label, v)
	}
	return r.labelPool("", defaultPoolName)
}

// labelPool is the pool named value; pools from the dedicated and the configured label with the
// same value are one pool.
func (r *PoolResolver) labelPool(label, value string) PoolRef {
	desc := "Nodes without a pool label"
	if label != "" {
		desc = "Nodes labelled " + label + "=" + value
	}
	return PoolRef{
		Namespace:   r.namespace,
		Name:        inventory.ObjectName(value),
		ID:          r.ids.Of(sourceNodePool, value),
		Source:      sourceNodePool + "/" + value,
		DisplayName: value,
		Description: desc,
		Extensions:  map[string]any{"source": "NodeLabel", "label": label, "value": value},
	}
}

func (r *PoolResolver) capiPool(node *corev1.Node) (PoolRef, bool) {
	if r.capi == nil || node.Annotations[capiOwnerKindAnnot] != sourceMachineSet {
		return PoolRef{}, false
	}
	ms := r.capi.MachineSet(node.Annotations[capiClusterNSAnnot], node.Annotations[capiOwnerNameAnnot])
	if ms == nil {
		return PoolRef{}, false
	}
	if ms.Deployment != "" {
		if md := r.capi.MachineDeployment(ms.Namespace, ms.Deployment); md != nil {
			return r.MachinePool(md), true
		}
	}
	return r.MachinePool(ms), true
}

// MachinePool is the pool of a MachineDeployment or MachineSet.
func (r *PoolResolver) MachinePool(m *MachineSetInfo) PoolRef {
	prefix := "ms"
	if m.Kind == sourceMachineDeployment {
		prefix = "md"
	}
	ext := map[string]any{"source": m.Kind, "namespace": m.Namespace, "name": m.Name}
	if m.Replicas != nil {
		ext["replicas"] = *m.Replicas
	}
	id := m.id
	if id == "" {
		id = r.ids.Of(m.Kind, m.UID)
	}
	return PoolRef{
		Namespace:   r.namespace,
		Name:        inventory.ObjectName(prefix, m.Namespace, m.Name),
		ID:          id,
		Source:      m.Kind + "/" + m.Namespace + "/" + m.Name,
		DisplayName: m.Name,
		Description: "Cluster API " + m.Kind + " " + m.Namespace + "/" + m.Name,
		Extensions:  ext,
	}
}
