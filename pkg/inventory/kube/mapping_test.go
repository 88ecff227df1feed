package kube

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

const testOCloud = "262c8f17-52b5-4614-9e56-812ae21fa8a7"

func testIDsB() (inventory.IDs, error) { return inventory.NewIDs(testOCloud) }

func testIDs(t *testing.T) inventory.IDs {
	t.Helper()
	ids, err := inventory.NewIDs(testOCloud)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

type nodeOpt func(*corev1.Node)

func withLabels(kv ...string) nodeOpt {
	return func(n *corev1.Node) {
		for i := 0; i+1 < len(kv); i += 2 {
			n.Labels[kv[i]] = kv[i+1]
		}
	}
}

func withReady(s corev1.ConditionStatus) nodeOpt {
	return func(n *corev1.Node) {
		n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeReady, Status: s, Reason: "KubeletReady"})
	}
}

func newNode(name string, opts ...nodeOpt) *corev1.Node {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name), Labels: map[string]string{}},
		Status: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3800m"), corev1.ResourceMemory: resource.MustParse("15Gi")},
		},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func extString(t *testing.T, ext v1alpha1.Extensions, key string) string {
	t.Helper()
	raw, ok := ext[key]
	if !ok {
		t.Fatalf("extension %q missing from %v", key, ext)
	}
	var s string
	if err := json.Unmarshal(raw.Raw, &s); err != nil {
		t.Fatalf("extension %q = %s: %v", key, raw.Raw, err)
	}
	return s
}

func TestNodeResource(t *testing.T) {
	ids := testIDs(t)
	node := newNode("worker-1",
		withLabels("topology.kubernetes.io/zone", "zone-a", "node.kubernetes.io/instance-type", "m5.large",
			"kubernetes.io/arch", "amd64", "node-role.kubernetes.io/worker", ""),
		withReady(corev1.ConditionTrue))
	node.Spec.ProviderID = "aws:///zone-a/i-0123"
	node.Status.NodeInfo = corev1.NodeSystemInfo{SystemUUID: "ec2a-uuid", KernelVersion: "6.1.0", OSImage: "Ubuntu 24.04", OperatingSystem: "linux"}
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.5"}}
	pool := PoolRef{Namespace: "o2ims-system", ID: ids.Of("NodePool", "zone-a")}

	r := NodeResource(ids, node, pool, "type-id")
	if r.Namespace != "o2ims-system" || r.Name != "worker-1" {
		t.Errorf("object = %s/%s", r.Namespace, r.Name)
	}
	if !inventory.IsManaged(r) || r.Annotations[v1alpha1.AnnotationSource] != "Node/worker-1" {
		t.Errorf("metadata does not mark the resource as synced from Node/worker-1: %v %v", r.Labels, r.Annotations)
	}
	if r.Spec.ResourceID != NodeResourceID(ids, node) || r.Spec.ResourceID != ids.Of("Node", "uid-worker-1") {
		t.Errorf("resourceId %s is not UUIDv5(O-Cloud, Node, uid)", r.Spec.ResourceID)
	}
	if again := NodeResource(ids, node.DeepCopy(), pool, "type-id"); again.Spec.ResourceID != r.Spec.ResourceID {
		t.Errorf("id not deterministic: %s vs %s", again.Spec.ResourceID, r.Spec.ResourceID)
	}
	if r.Spec.ResourcePoolID != pool.ID || r.Spec.ResourceTypeID != "type-id" {
		t.Errorf("pool/type = %s/%s", r.Spec.ResourcePoolID, r.Spec.ResourceTypeID)
	}
	if r.Spec.GlobalAssetID != "ec2a-uuid" {
		t.Errorf("globalAssetId = %q, want the system UUID", r.Spec.GlobalAssetID)
	}
	if !slices.Contains(r.Spec.Tags, "topology.kubernetes.io/zone=zone-a") || !slices.Contains(r.Spec.Tags, "node-role.kubernetes.io/worker") {
		t.Errorf("tags = %v", r.Spec.Tags)
	}
	if !slices.Equal(r.Spec.Groups, []string{"worker"}) {
		t.Errorf("groups = %v, want [worker]", r.Spec.Groups)
	}
	if got := extString(t, r.Spec.Extensions, "kernelVersion"); got != "6.1.0" {
		t.Errorf("kernelVersion = %q", got)
	}
	var capacity map[string]string
	if err := json.Unmarshal(r.Spec.Extensions["capacity"].Raw, &capacity); err != nil || capacity["cpu"] != "4" || capacity["memory"] != "16Gi" {
		t.Errorf("capacity = %s (%v)", r.Spec.Extensions["capacity"].Raw, err)
	}
	var alloc map[string]string
	if err := json.Unmarshal(r.Spec.Extensions["allocatable"].Raw, &alloc); err != nil || alloc["cpu"] != "3800m" {
		t.Errorf("allocatable = %s (%v)", r.Spec.Extensions["allocatable"].Raw, err)
	}
	if string(r.Spec.Extensions["addresses"].Raw) != `[{"address":"10.0.0.5","type":"InternalIP"}]` {
		t.Errorf("addresses = %s", r.Spec.Extensions["addresses"].Raw)
	}
	if r.Status.OperationalState != v1alpha1.OperationalStateEnabled || r.Status.AdminState != v1alpha1.AdminStateUnlocked || r.Status.PowerState != v1alpha1.PowerStateUnknown {
		t.Errorf("status = %+v", r.Status)
	}

	node.Status.NodeInfo.SystemUUID = ""
	if got := NodeResource(ids, node, pool, "t").Spec.GlobalAssetID; got != node.Spec.ProviderID {
		t.Errorf("without a system UUID globalAssetId = %q, want the provider id", got)
	}
}

func TestNodeStatus(t *testing.T) {
	now := metav1.Now()
	for _, tc := range []struct {
		name  string
		node  *corev1.Node
		admin v1alpha1.AdminState
		op    v1alpha1.OperationalState
		usage v1alpha1.UsageState
	}{
		{"ready", newNode("a", withReady(corev1.ConditionTrue)), v1alpha1.AdminStateUnlocked, v1alpha1.OperationalStateEnabled, v1alpha1.UsageStateUnknown},
		{"not ready", newNode("a", withReady(corev1.ConditionFalse)), v1alpha1.AdminStateUnlocked, v1alpha1.OperationalStateDisabled, v1alpha1.UsageStateUnknown},
		{"ready unknown", newNode("a", withReady(corev1.ConditionUnknown)), v1alpha1.AdminStateUnlocked, v1alpha1.OperationalStateUnknown, v1alpha1.UsageStateUnknown},
		{"no conditions", newNode("a"), v1alpha1.AdminStateUnlocked, v1alpha1.OperationalStateUnknown, v1alpha1.UsageStateUnknown},
		{"cordoned", newNode("a", withReady(corev1.ConditionTrue), func(n *corev1.Node) { n.Spec.Unschedulable = true }),
			v1alpha1.AdminStateLocked, v1alpha1.OperationalStateEnabled, v1alpha1.UsageStateUnknown},
		{"deleting", newNode("a", func(n *corev1.Node) { n.DeletionTimestamp = &now; n.Spec.Unschedulable = true }),
			v1alpha1.AdminStateShuttingDown, v1alpha1.OperationalStateUnknown, v1alpha1.UsageStateUnknown},
		{"memory pressure", newNode("a", withReady(corev1.ConditionTrue), func(n *corev1.Node) {
			n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionTrue})
		}), v1alpha1.AdminStateUnlocked, v1alpha1.OperationalStateEnabled, v1alpha1.UsageStateBusy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NodeStatus(tc.node)
			if s.AdminState != tc.admin || s.OperationalState != tc.op || s.UsageState != tc.usage || s.PowerState != v1alpha1.PowerStateUnknown {
				t.Errorf("status = %s/%s/%s/%s, want %s/%s/%s/UNKNOWN", s.AdminState, s.OperationalState, s.UsageState, s.PowerState, tc.admin, tc.op, tc.usage)
			}
			if len(s.Conditions) != len(tc.node.Status.Conditions) {
				t.Errorf("conditions = %v", s.Conditions)
			}
			for _, c := range s.Conditions {
				if c.Reason == "" {
					t.Errorf("condition %s has no reason", c.Type)
				}
			}
		})
	}
}

func TestNodeKindOf(t *testing.T) {
	aws := newNode("a", withLabels("node.kubernetes.io/instance-type", "m5.large", "kubernetes.io/arch", "amd64"))
	aws.Spec.ProviderID = "aws:///us-east-1a/i-1"
	k := NodeKindOf(aws)
	if k.Kind != v1alpha1.ResourceKindLogical || k.Vendor != "aws" || k.Model != "m5.large" {
		t.Errorf("aws node kind = %+v", k)
	}
	metal := newNode("b", withLabels("node.kubernetes.io/instance-type", "r650", v1alpha1.NodeLabelVendor, "Dell", v1alpha1.NodeLabelModel, "PowerEdge R650"))
	metal.Status.NodeInfo.Architecture = "arm64"
	k = NodeKindOf(metal)
	if k.Kind != v1alpha1.ResourceKindPhysical || k.Vendor != "Dell" || k.Model != "PowerEdge R650" || k.Arch != "arm64" {
		t.Errorf("bare-metal node kind = %+v", k)
	}
	override := newNode("c", withLabels(v1alpha1.NodeLabelResourceKind, "logical"))
	if k := NodeKindOf(override); k.Kind != v1alpha1.ResourceKindLogical {
		t.Errorf("label override: kind = %s", k.Kind)
	}
	ids := testIDs(t)
	if NodeKindOf(aws).ID(ids) == NodeKindOf(metal).ID(ids) {
		t.Error("different kinds share an id")
	}
	types := NodeKindTypes(ids, "ns", []NodeKind{NodeKindOf(aws), NodeKindOf(metal)})
	if got := names(types); !slices.Equal(got, []string{"node-m5.large-amd64", "node-r650-arm64"}) {
		t.Errorf("type names: %v", got)
	}
	for _, rt := range types {
		if rt.Spec.ResourceClass != v1alpha1.ResourceClassCompute {
			t.Errorf("%s: class %s", rt.Name, rt.Spec.ResourceClass)
		}
	}
	// Two kinds that differ only by vendor share instance type and architecture: distinct names.
	dell := NodeKind{InstanceType: "x", Arch: "amd64", Vendor: "Dell", Kind: v1alpha1.ResourceKindPhysical}
	hpe := NodeKind{InstanceType: "x", Arch: "amd64", Vendor: "HPE", Kind: v1alpha1.ResourceKindPhysical}
	types = NodeKindTypes(ids, "ns", []NodeKind{dell, hpe})
	if len(types) != 2 || types[0].Name == types[1].Name {
		t.Errorf("colliding kinds: names %v", names(types))
	}
}

func names[T interface{ GetName() string }](objs []T) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.GetName())
	}
	return out
}

func TestStorageClassType(t *testing.T) {
	ids := testIDs(t)
	sc := &storagev1.StorageClass{
		ObjectMeta:  metav1.ObjectMeta{Name: "fast-ssd", UID: "sc-uid", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner: "csi.example.com",
		Parameters:  map[string]string{"tier": "gold"},
	}
	rt := StorageClassType(ids, "o2ims-system", sc)
	if rt.Name != "storage-fast-ssd" || rt.Spec.ResourceClass != v1alpha1.ResourceClassStorage || rt.Spec.ResourceKind != v1alpha1.ResourceKindLogical {
		t.Errorf("storage type = %s %+v", rt.Name, rt.Spec)
	}
	if rt.Spec.ResourceTypeID != ids.Of("StorageClass", "sc-uid") || rt.Spec.Vendor != "csi.example.com" {
		t.Errorf("id/vendor = %s/%s", rt.Spec.ResourceTypeID, rt.Spec.Vendor)
	}
	if string(rt.Spec.Extensions["default"].Raw) != "true" || string(rt.Spec.Extensions["parameters"].Raw) != `{"tier":"gold"}` {
		t.Errorf("extensions = %v", rt.Spec.Extensions)
	}
}

type fakeCAPI struct {
	sets, deployments map[string]*MachineSetInfo
}

func (f fakeCAPI) MachineSet(ns, name string) *MachineSetInfo { return f.sets[ns+"/"+name] }
func (f fakeCAPI) MachineDeployment(ns, name string) *MachineSetInfo {
	return f.deployments[ns+"/"+name]
}
func (f fakeCAPI) Pools() []*MachineSetInfo {
	var out []*MachineSetInfo
	for _, d := range f.deployments {
		out = append(out, d)
	}
	return out
}

func TestPoolResolver(t *testing.T) {
	ids := testIDs(t)
	admin := &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "gpu"},
		Spec: v1alpha1.ResourcePoolSpec{ResourcePoolID: "11111111-1111-1111-1111-111111111111", Name: "gpu",
			NodeSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"gpu": "true"}}},
	}
	laterAdmin := admin.DeepCopy()
	laterAdmin.Namespace, laterAdmin.Spec.ResourcePoolID = "tenant-b", "22222222-2222-2222-2222-222222222222"
	managed := admin.DeepCopy()
	managed.Namespace, managed.Labels = "o2ims-system", map[string]string{v1alpha1.LabelManagedBy: v1alpha1.ManagedByInventory}
	noSelector := admin.DeepCopy()
	noSelector.Namespace, noSelector.Spec.NodeSelector = "tenant-0", nil
	capi := fakeCAPI{
		sets:        map[string]*MachineSetInfo{"capi/workers-abc": {Kind: "MachineSet", Namespace: "capi", Name: "workers-abc", UID: "ms-uid", Deployment: "workers"}},
		deployments: map[string]*MachineSetInfo{"capi/workers": {Kind: "MachineDeployment", Namespace: "capi", Name: "workers", UID: "md-uid"}},
	}
	nodePools := inventory.NewNodePoolNamespaces("o2ims-system", "tenant-a", "tenant-b")
	r := NewPoolResolver(ids, "o2ims-system", DefaultPoolLabel, nodePools, []*v1alpha1.ResourcePool{laterAdmin, managed, noSelector, admin}, capi)

	capiNode := newNode("m1", withLabels("topology.kubernetes.io/zone", "zone-a"), func(n *corev1.Node) {
		n.Annotations = map[string]string{"cluster.x-k8s.io/owner-kind": "MachineSet", "cluster.x-k8s.io/owner-name": "workers-abc", "cluster.x-k8s.io/cluster-namespace": "capi"}
	})
	for _, tc := range []struct {
		name      string
		node      *corev1.Node
		namespace string
		id        string
	}{
		{"admin selector wins over everything", newNode("g", withLabels("gpu", "true", v1alpha1.NodeLabelResourcePool, "x", "topology.kubernetes.io/zone", "zone-a")), "tenant-a", admin.Spec.ResourcePoolID},
		{"dedicated label wins over zone", newNode("p", withLabels(v1alpha1.NodeLabelResourcePool, "ran", "topology.kubernetes.io/zone", "zone-a")), "o2ims-system", ids.Of("NodePool", "ran")},
		{"Cluster API MachineDeployment", capiNode, "o2ims-system", ids.Of("MachineDeployment", "md-uid")},
		{"zone label", newNode("z", withLabels("topology.kubernetes.io/zone", "zone-b")), "o2ims-system", ids.Of("NodePool", "zone-b")},
		{"default pool", newNode("d"), "o2ims-system", ids.Of("NodePool", "default")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := r.Resolve(tc.node)
			if ref.Namespace != tc.namespace || ref.ID != tc.id {
				t.Errorf("pool = %s %s, want %s %s", ref.Namespace, ref.ID, tc.namespace, tc.id)
			}
		})
	}
	if got := len(r.ForeignPools()); got != 2 {
		t.Errorf("foreign pools = %d, want the two admin pools with selectors", got)
	}
	// A MachineSet without its MachineDeployment is its own pool.
	delete(capi.deployments, "capi/workers")
	if ref := r.Resolve(capiNode); ref.ID != ids.Of("MachineSet", "ms-uid") {
		t.Errorf("orphan MachineSet pool = %s", ref.ID)
	}
}

func TestComputeShared(t *testing.T) {
	ids := testIDs(t)
	nodes := []*corev1.Node{
		newNode("a1", withReady(corev1.ConditionTrue), withLabels("topology.kubernetes.io/zone", "zone-a", "topology.kubernetes.io/region", "east", "node.kubernetes.io/instance-type", "small")),
		newNode("a2", withReady(corev1.ConditionFalse), withLabels("topology.kubernetes.io/zone", "zone-a", "topology.kubernetes.io/region", "east", "node.kubernetes.io/instance-type", "small")),
		newNode("b1", withReady(corev1.ConditionTrue), withLabels("topology.kubernetes.io/zone", "zone-b", "topology.kubernetes.io/region", "east", "node.kubernetes.io/instance-type", "large")),
		newNode("g1", withReady(corev1.ConditionTrue), withLabels("gpu", "true", "topology.kubernetes.io/zone", "zone-b", "topology.kubernetes.io/region", "east", "node.kubernetes.io/instance-type", "large")),
	}
	admin := &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "gpu"},
		Spec: v1alpha1.ResourcePoolSpec{ResourcePoolID: "11111111-1111-1111-1111-111111111111", Name: "gpu",
			NodeSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"gpu": "true"}}},
	}
	cfg := Config{IDs: ids, Namespace: "o2ims-system", PoolLabel: DefaultPoolLabel,
		NodePools: inventory.NewNodePoolNamespaces("o2ims-system", "tenant-a"),
		OCloud:    OCloudInfo{Name: "edge", ServiceURI: "https://o2.example.net"},
		Cluster:   ClusterInfo{Name: "edge-cluster", URL: "https://k8s.example.net:6443", UID: "ks-uid"}}
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "standard", UID: "sc"}, Provisioner: "p"}
	s := ComputeShared(cfg, Snapshot{Nodes: nodes, StorageClasses: []*storagev1.StorageClass{sc},
		Pools: NewPoolResolver(ids, cfg.Namespace, cfg.PoolLabel, cfg.NodePools, []*v1alpha1.ResourcePool{admin}, nil)})

	if s.OCloud.Spec.OCloudID != testOCloud || s.OCloud.Name != "default" || s.OCloud.Spec.ServiceURI != "https://o2.example.net" {
		t.Errorf("ocloud = %s %+v", s.OCloud.Name, s.OCloud.Spec)
	}
	counts := map[string]int32{}
	for _, p := range s.ResourcePools {
		counts[p.Spec.Name] = p.Status.ResourceCount
		if p.Spec.OCloudSiteID == "" || p.Spec.GlobalLocationID != ids.Of("Location", "east") {
			t.Errorf("pool %s not placed: %+v", p.Name, p.Spec)
		}
	}
	if len(counts) != 2 || counts["zone-a"] != 2 || counts["zone-b"] != 1 {
		t.Errorf("pool counts = %v, want zone-a:2 zone-b:1 (g1 is in the admin pool)", counts)
	}
	if got := s.ForeignPools[types.NamespacedName{Namespace: "tenant-a", Name: "gpu"}]; got.ResourceCount != 1 ||
		got.NodeSelector == nil || got.NodeSelector.Status != metav1.ConditionTrue || got.NodeSelector.Reason != v1alpha1.ReasonNodeSelectorAccepted {
		t.Errorf("admin pool status = %+v, want 1 resource and NodeSelectorAccepted True", got)
	}
	if got := names(s.ResourceTypes); !slices.Equal(got, []string{"node-large", "node-small", "storage-standard"}) {
		t.Errorf("resource types = %v", got)
	}
	if len(s.Locations) != 1 || s.Locations[0].Spec.Name != "east" {
		t.Errorf("locations = %v", names(s.Locations))
	}
	if len(s.OCloudSites) != 2 || s.OCloudSites[0].Spec.Name != "zone-a" || s.OCloudSites[0].Spec.GlobalLocationID != s.Locations[0].Spec.GlobalLocationID {
		t.Errorf("sites = %v", names(s.OCloudSites))
	}
	dm := s.DeploymentManagers[0]
	if dm.Spec.ServiceURI != "https://k8s.example.net:6443" || dm.Spec.DeploymentManagerID != ids.Of("Cluster", "ks-uid") {
		t.Errorf("deployment manager = %+v", dm.Spec)
	}
	if !slices.Equal(dm.Spec.SupportedLocations, []string{ids.Of("Location", "east")}) {
		t.Errorf("supportedLocations = %v", dm.Spec.SupportedLocations)
	}
	var capacity struct {
		Nodes      int               `json:"nodes"`
		ReadyNodes int               `json:"readyNodes"`
		Capacity   map[string]string `json:"capacity"`
	}
	if err := json.Unmarshal(mustJSON(t, dm.Spec.Capacity), &capacity); err != nil {
		t.Fatal(err)
	}
	if capacity.Nodes != 4 || capacity.ReadyNodes != 3 || capacity.Capacity["cpu"] != "16" || capacity.Capacity["memory"] != "64Gi" {
		t.Errorf("capacity = %+v", capacity)
	}
	// Recomputing from the same snapshot gives the same objects (the controller relies on it).
	again := ComputeShared(cfg, Snapshot{Nodes: nodes, StorageClasses: []*storagev1.StorageClass{sc},
		Pools: NewPoolResolver(ids, cfg.Namespace, cfg.PoolLabel, cfg.NodePools, []*v1alpha1.ResourcePool{admin}, nil)})
	if !reflect.DeepEqual(again, s) {
		t.Error("ComputeShared is not deterministic")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPoolResolverIgnoresPoolsOutsideNodePoolNamespaces: an admin pool in a namespace the
// operator does not allow claims no Node, even with a selector matching every Node; it is
// reported with the reason, and its location does not place the deployment manager.
func TestPoolResolverIgnoresPoolsOutsideNodePoolNamespaces(t *testing.T) {
	ids := testIDs(t)
	everything := &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-b", Name: "all"},
		Spec: v1alpha1.ResourcePoolSpec{ResourcePoolID: "22222222-2222-2222-2222-222222222222", Name: "all",
			GlobalLocationID: "tenant-b-location", NodeSelector: &metav1.LabelSelector{}},
	}
	broken := &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Namespace: "o2ims-system", Name: "broken"},
		Spec: v1alpha1.ResourcePoolSpec{ResourcePoolID: "33333333-3333-3333-3333-333333333333", Name: "broken",
			NodeSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "gpu", Operator: "Sometimes"}}}},
	}
	released := &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-c", Name: "was-selecting"},
		Spec:       v1alpha1.ResourcePoolSpec{ResourcePoolID: "44444444-4444-4444-4444-444444444444", Name: "was-selecting"},
		Status: v1alpha1.ResourcePoolStatus{ResourceCount: 3, Conditions: []metav1.Condition{{
			Type: v1alpha1.ResourcePoolNodeSelectorAccepted, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonNodeSelectorAccepted}}},
	}
	cfg := Config{IDs: ids, Namespace: "o2ims-system", PoolLabel: DefaultPoolLabel,
		NodePools: inventory.NewNodePoolNamespaces("o2ims-system"), Cluster: ClusterInfo{Name: "c", UID: "ks-uid"}}
	pools := []*v1alpha1.ResourcePool{everything, broken, released}
	r := NewPoolResolver(ids, cfg.Namespace, cfg.PoolLabel, cfg.NodePools, pools, nil)

	nodes := []*corev1.Node{newNode("w1", withLabels("topology.kubernetes.io/zone", "zone-a")), newNode("w2", withLabels("gpu", "true"))}
	for _, n := range nodes {
		if ref := r.Resolve(n); ref.Namespace != "o2ims-system" || ref.Foreign {
			t.Errorf("node %s placed in %s/%s (foreign %v), want a pool of o2ims-system", n.Name, ref.Namespace, ref.Name, ref.Foreign)
		}
	}
	if len(r.ForeignPools()) != 0 {
		t.Errorf("foreign pools %v, want none", names(r.ForeignPools()))
	}
	reasons := map[string]string{}
	for _, ig := range r.IgnoredPools() {
		reasons[ig.Pool.Namespace+"/"+ig.Pool.Name] = ig.Reason
	}
	if reasons["tenant-b/all"] != v1alpha1.ReasonNamespaceNotAllowed || reasons["o2ims-system/broken"] != v1alpha1.ReasonInvalidNodeSelector || len(reasons) != 2 {
		t.Errorf("ignored pools %v", reasons)
	}

	s := ComputeShared(cfg, Snapshot{Nodes: nodes, Pools: r})
	st := s.ForeignPools[types.NamespacedName{Namespace: "tenant-b", Name: "all"}]
	if st.ResourceCount != 0 || st.NodeSelector == nil || st.NodeSelector.Status != metav1.ConditionFalse ||
		st.NodeSelector.Reason != v1alpha1.ReasonNamespaceNotAllowed || !strings.Contains(st.NodeSelector.Message, "tenant-b") {
		t.Errorf("tenant pool status %+v, want 0 resources and NodeSelectorAccepted False/NamespaceNotAllowed", st)
	}
	if st := s.ForeignPools[types.NamespacedName{Namespace: "tenant-c", Name: "was-selecting"}]; st.ResourceCount != 0 || st.NodeSelector != nil {
		t.Errorf("released pool status %+v, want 0 resources and the condition removed", st)
	}
	var total int32
	for _, p := range s.ResourcePools {
		total += p.Status.ResourceCount
	}
	if total != int32(len(nodes)) {
		t.Errorf("owned pools count %d resources, want every node (%d)", total, len(nodes))
	}
	if slices.Contains(s.DeploymentManagers[0].Spec.SupportedLocations, "tenant-b-location") {
		t.Errorf("an ignored pool placed the deployment manager: %v", s.DeploymentManagers[0].Spec.SupportedLocations)
	}
}
