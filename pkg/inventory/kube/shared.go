package kube

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// Config is what the adapter is told about the O-Cloud and where to put what it syncs.
type Config struct {
	IDs inventory.IDs
	// Namespace holds every synced object except the Resources of admin pools.
	Namespace string
	// PoolLabel is the node label whose value names a node's pool.
	PoolLabel string
	// NodePools are the namespaces whose admin pools may claim Nodes (spec.nodeSelector).
	NodePools inventory.NodePoolNamespaces
	OCloud    OCloudInfo
	Cluster   ClusterInfo
	// Managers are the stored DeploymentManagers (nil: none). While the cluster's /version
	// cannot be read (Cluster.Version is ""), its DeploymentManager keeps the
	// capabilities.kubernetesVersion stored there rather than losing it.
	Managers o2listers.DeploymentManagerLister
	// Stored reads what the sync stored of this cluster (nil: nothing). While it cannot be
	// told whether the cluster serves Cluster API (discovery or the first list failed without
	// a conclusive answer), its MachineDeployment and MachineSet pools, and the Nodes in them,
	// are taken from there rather than moved to label pools.
	Stored *Stored
}

// Stored are the listers of what the sync stored.
type Stored struct {
	// Cluster is the member cluster ("" for the cluster netweave runs in): only objects
	// labelled with it (inventory.ClusterOf) are this cluster's.
	Cluster   string
	Pools     o2listers.ResourcePoolLister
	Resources o2listers.O2ResourceLister
}

// Snapshot is the state of the cluster the shared objects are computed from.
type Snapshot struct {
	Nodes          []*corev1.Node
	StorageClasses []*storagev1.StorageClass
	Pools          *PoolResolver
	CAPI           CAPI
}

type poolAgg struct {
	ref   PoolRef
	count int32
	zones map[Topology]int
}

// preferredRef reports whether ref describes a pool better than cur, the description kept so
// far of the same pool (same id): the node label pools of one value, from the dedicated label,
// the configured label or none (the default pool), are one pool, and which node comes first in
// a list must not decide how it is described, or every resync would rewrite it. A labelled
// description beats the default pool's, then the smaller label wins.
func preferredRef(ref, cur PoolRef) bool {
	l, _ := ref.Extensions["label"].(string)
	c, _ := cur.Extensions["label"].(string)
	if (l == "") != (c == "") {
		return l != ""
	}
	return l < c
}

// ComputeShared derives the O-Cloud, pools (with their resource counts), resource types, the
// deployment manager, locations and sites from a snapshot of the cluster.
func ComputeShared(cfg Config, snap Snapshot) *inventory.Shared {
	ids := cfg.IDs
	pools := map[string]*poolAgg{}
	agg := func(ref PoolRef) *poolAgg {
		a, ok := pools[ref.ID]
		if !ok {
			a = &poolAgg{ref: ref, zones: map[Topology]int{}}
			pools[ref.ID] = a
		} else if preferredRef(ref, a.ref) {
			a.ref = ref
		}
		return a
	}
	kinds := map[string]NodeKind{}
	topologies := map[Topology]bool{}
	totals := newClusterTotals()
	for _, node := range snap.Nodes {
		a := agg(snap.Pools.Resolve(node))
		a.count++
		t := TopologyOf(node)
		a.zones[t]++
		if t.locationKey() != "" {
			topologies[t] = true
		}
		k := NodeKindOf(node)
		kinds[k.Key()] = k
		totals.add(node)
	}
	if snap.CAPI != nil {
		own := ownClusters(snap.Nodes)
		for _, m := range snap.CAPI.Pools() {
			if ownPool(m, own) {
				agg(snap.Pools.MachinePool(m))
			}
		}
	}

	out := &inventory.Shared{
		OCloud:       OCloud(ids, cfg.OCloud),
		ForeignPools: map[types.NamespacedName]inventory.ForeignPoolStatus{},
	}
	locationSet := map[string]bool{}
	for _, p := range snap.Pools.ForeignPools() {
		var n int32
		if a := pools[p.Spec.ResourcePoolID]; a != nil {
			n = a.count
		}
		out.ForeignPools[keyOf(p)] = inventory.ForeignPoolStatus{ResourceCount: n, NodeSelector: &metav1.Condition{
			Type: v1alpha1.ResourcePoolNodeSelectorAccepted, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonNodeSelectorAccepted,
			Message: "the pool holds the Nodes its nodeSelector matches"}}
		if p.Spec.GlobalLocationID != "" {
			locationSet[p.Spec.GlobalLocationID] = true
		}
	}
	// A pool whose selector is ignored holds nothing and says why; it does not place the
	// deployment manager anywhere either.
	for _, ig := range snap.Pools.IgnoredPools() {
		out.ForeignPools[keyOf(ig.Pool)] = inventory.ForeignPoolStatus{NodeSelector: &metav1.Condition{
			Type: v1alpha1.ResourcePoolNodeSelectorAccepted, Status: metav1.ConditionFalse, Reason: ig.Reason, Message: ig.Message}}
	}
	for _, p := range snap.Pools.ReleasedPools() {
		out.ForeignPools[keyOf(p)] = inventory.ForeignPoolStatus{}
	}
	for _, id := range sortedKeys(pools) {
		a := pools[id]
		if a.ref.Foreign {
			continue
		}
		pool := ownedPool(cfg, a)
		if pool.Spec.GlobalLocationID != "" {
			locationSet[pool.Spec.GlobalLocationID] = true
		}
		out.ResourcePools = append(out.ResourcePools, pool)
	}

	kindList := make([]NodeKind, 0, len(kinds))
	for _, k := range sortedKeys(kinds) {
		kindList = append(kindList, kinds[k])
	}
	out.ResourceTypes = NodeKindTypes(ids, cfg.Namespace, kindList)
	classes := make([]string, 0, len(snap.StorageClasses))
	for _, sc := range snap.StorageClasses {
		out.ResourceTypes = append(out.ResourceTypes, StorageClassType(ids, cfg.Namespace, sc))
		classes = append(classes, sc.Name)
	}

	// A region and a region-less zone of one name are one Location: the region's, whatever
	// order the map gives them in (else it would be rewritten on resyncs).
	locations := map[string]Topology{}
	for t := range topologies {
		if t.Region != "" {
			locations[t.locationKey()] = Topology{Region: t.Region}
		} else if _, ok := locations[t.locationKey()]; !ok {
			locations[t.locationKey()] = Topology{Zone: t.Zone}
		}
		if t.Zone != "" {
			out.OCloudSites = append(out.OCloudSites, Site(ids, cfg.Namespace, t))
		}
	}
	sort.Slice(out.OCloudSites, func(i, j int) bool { return out.OCloudSites[i].Name < out.OCloudSites[j].Name })
	for _, key := range sortedKeys(locations) {
		out.Locations = append(out.Locations, Location(ids, cfg.Namespace, locations[key]))
	}
	out.DeploymentManagers = []*v1alpha1.DeploymentManager{
		DeploymentManager(ids, cfg.Namespace, cfg.Cluster, totals, sortedKeys(locationSet), classes),
	}
	return out
}

// ownedPool builds a pool the adapter owns; it is placed at the zone most of its nodes are in.
func ownedPool(cfg Config, a *poolAgg) *v1alpha1.ResourcePool {
	var where Topology
	best := 0
	for t, n := range a.zones {
		if n > best || n == best && (t.Region+"/"+t.Zone) < (where.Region+"/"+where.Zone) {
			where, best = t, n
		}
	}
	ext := map[string]any{}
	for k, v := range a.ref.Extensions {
		ext[k] = v
	}
	return &v1alpha1.ResourcePool{
		ObjectMeta: inventory.ManagedMeta(a.ref.Namespace, a.ref.Name, a.ref.Source),
		Spec: v1alpha1.ResourcePoolSpec{
			ResourcePoolID:   a.ref.ID,
			Name:             a.ref.DisplayName,
			Description:      a.ref.Description,
			OCloudID:         cfg.IDs.OCloudID(),
			GlobalLocationID: where.LocationID(cfg.IDs),
			Location:         where.describe(),
			OCloudSiteID:     where.SiteID(cfg.IDs),
			Extensions:       extensions(ext),
		},
		Status: v1alpha1.ResourcePoolStatus{ResourceCount: a.count},
	}
}

func keyOf(p *v1alpha1.ResourcePool) types.NamespacedName {
	return types.NamespacedName{Namespace: p.Namespace, Name: p.Name}
}

// ownClusters are the Cluster API Clusters (namespace/name) whose machines nodes are, as Cluster
// API annotates the Nodes of its machines.
func ownClusters(nodes []*corev1.Node) map[types.NamespacedName]bool {
	own := map[types.NamespacedName]bool{}
	for _, n := range nodes {
		ns, name := n.Annotations[capiClusterNSAnnot], n.Annotations[capiClusterNameAnnot]
		if ns != "" && name != "" {
			own[types.NamespacedName{Namespace: ns, Name: name}] = true
		}
	}
	return own
}

// ownPool reports whether the MachineDeployment or MachineSet m is a pool of this cluster's
// Nodes even while none is in it (scaled to zero, or its machines not joined yet): one of a
// Cluster this cluster's Nodes are machines of. Cluster API lists every cluster it manages
// from a management cluster, and the others' (a tenant's provisioned cluster, in the tenant's
// namespace) are no pools of this cluster: published as the O-Cloud's, in the inventory
// namespace, they told every reader of the inventory the tenant's namespace, its cluster and
// its size, and whoever may write MachineDeployments had netweave write pools there. A view
// read back from the store does not know the cluster (m.id is set): what the sync stored
// stays while it cannot be told whether the cluster serves Cluster API.
func ownPool(m *MachineSetInfo, own map[types.NamespacedName]bool) bool {
	if m.id != "" && m.Cluster == "" {
		return true
	}
	return own[types.NamespacedName{Namespace: m.Namespace, Name: m.Cluster}]
}
