package kube

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	k8svalidation "k8s.io/apimachinery/pkg/util/validation"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// The regressions below were each a spec that depended on the order the lister returned the
// nodes in (so rewritten, and notified, on resyncs of an unchanged cluster), or a node whose
// Resource the API refused for ever.

func determinismCfg(t *testing.T) Config {
	return Config{IDs: testIDs(t), Namespace: "o2ims-system", PoolLabel: DefaultPoolLabel,
		NodePools: inventory.NewNodePoolNamespaces("o2ims-system"),
		Cluster:   ClusterInfo{Name: "edge", UID: "ks-uid"}}
}

// computeBothOrders computes the shared objects from the nodes in the given order and in the
// reverse order: a lister returns nodes in map order, so both happen in production.
func computeBothOrders(t *testing.T, cfg Config, nodes []*corev1.Node) (a, b *inventory.Shared) {
	t.Helper()
	res := NewPoolResolver(cfg.IDs, cfg.Namespace, cfg.PoolLabel, cfg.NodePools, nil, nil)
	a = ComputeShared(cfg, Snapshot{Nodes: nodes, Pools: res})
	rev := slices.Clone(nodes)
	slices.Reverse(rev)
	b = ComputeShared(cfg, Snapshot{Nodes: rev, Pools: res})
	return a, b
}

func poolByName(s *inventory.Shared, name string) *v1alpha1.ResourcePool {
	for _, p := range s.ResourcePools {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// A pool named by the dedicated label o2ims.oran.org/resource-pool=X and the configured pool
// label (zone)=X is one pool (same id, same name), but its description/extensions come from
// whichever node the lister returns first: the spec flips between resyncs.
func TestRegressionPoolSpecDoesNotDependOnNodeOrder(t *testing.T) {
	cfg := determinismCfg(t)
	nodes := []*corev1.Node{
		newNode("n1", withLabels(v1alpha1.NodeLabelResourcePool, "zone-a")),
		newNode("n2", withLabels("topology.kubernetes.io/zone", "zone-a")),
	}
	a, b := computeBothOrders(t, cfg, nodes)
	pa, pb := poolByName(a, "zone-a"), poolByName(b, "zone-a")
	if pa == nil || pb == nil {
		t.Fatalf("pool zone-a missing: %v / %v", names(a.ResourcePools), names(b.ResourcePools))
	}
	if string(mustJSON(t, pa.Spec)) != string(mustJSON(t, pb.Spec)) {
		t.Errorf("pool zone-a spec depends on node order (update on every resync):\n %s\n %s", mustJSON(t, pa.Spec), mustJSON(t, pb.Spec))
	}
}

// Same with the default pool: a node labelled o2ims.oran.org/resource-pool=default joins the
// default pool of unlabelled nodes, with a description depending on node order.
func TestRegressionDefaultPoolSpecDoesNotDependOnNodeOrder(t *testing.T) {
	cfg := determinismCfg(t)
	nodes := []*corev1.Node{
		newNode("n1", withLabels(v1alpha1.NodeLabelResourcePool, "default")),
		newNode("n2"),
	}
	a, b := computeBothOrders(t, cfg, nodes)
	pa, pb := poolByName(a, "default"), poolByName(b, "default")
	if pa == nil || pb == nil {
		t.Fatalf("pool default missing")
	}
	if string(mustJSON(t, pa.Spec)) != string(mustJSON(t, pb.Spec)) {
		t.Errorf("pool default spec depends on node order:\n %s\n %s", mustJSON(t, pa.Spec), mustJSON(t, pb.Spec))
	}
}

// The deployment manager's capacity sums quantities in the format of the first node's
// quantity: ephemeral-storage "100G" (DecimalSI, as some kubelets/virtual kubelets report) on
// one node and "100Gi" (BinarySI) on another render differently depending on node order.
func TestRegressionCapacitySumDoesNotDependOnNodeOrder(t *testing.T) {
	cfg := determinismCfg(t)
	hp := corev1.ResourceEphemeralStorage
	n1 := newNode("n1")
	n1.Status.Capacity[hp] = resource.MustParse("100G")
	n2 := newNode("n2")
	n2.Status.Capacity[hp] = resource.MustParse("100Gi")
	a, b := computeBothOrders(t, cfg, []*corev1.Node{n1, n2})
	ja, jb := mustJSON(t, a.DeploymentManagers[0].Spec), mustJSON(t, b.DeploymentManagers[0].Spec)
	if string(ja) != string(jb) {
		var ca, cb struct {
			Capacity map[string]string `json:"capacity"`
		}
		_ = json.Unmarshal(a.DeploymentManagers[0].Spec.Capacity["capacity"].Raw, &ca.Capacity)
		_ = json.Unmarshal(b.DeploymentManagers[0].Spec.Capacity["capacity"].Raw, &cb.Capacity)
		t.Errorf("deployment manager capacity depends on node order: %v vs %v", ca.Capacity, cb.Capacity)
	}
}

// A Node with more than 256 labels (KubeVirt's node-labeller plus Node Feature Discovery
// routinely add hundreds of cpu-feature/cpu-model labels) maps to a Resource whose spec.tags
// the API refuses (validation caps tags at 256): the create fails forever and the node never
// appears in the inventory.
func TestRegressionNodeWithManyLabelsMapsToValidResource(t *testing.T) {
	ids := testIDs(t)
	node := newNode("virt-1")
	for i := range 300 {
		node.Labels[fmt.Sprintf("cpu-feature.node.kubevirt.io/feature%03d", i)] = "true"
	}
	r := NodeResource(ids, node, PoolRef{Namespace: "o2ims-system", ID: ids.Of("NodePool", "default")}, ids.Of("NodeKind", "x"))
	var internal o2ims.O2Resource
	if err := v1alpha1.Convert_v1alpha1_O2Resource_To_o2ims_O2Resource(r, &internal, nil); err != nil {
		t.Fatal(err)
	}
	if errs := validation.ValidateResource(&internal); len(errs) > 0 {
		t.Errorf("the Resource the sync makes of a node with %d labels is refused by the API: %v", len(node.Labels), errs.ToAggregate())
	}
}

// A label with a long DNS prefix is a valid node label (prefix up to 253 chars) but the tag
// "key=value" exceeds the API's 256-character keyword limit.
func TestRegressionNodeWithLongLabelMapsToValidResource(t *testing.T) {
	ids := testIDs(t)
	node := newNode("n-1")
	prefix := strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + ".example.com"
	node.Labels[prefix+"/"+strings.Repeat("k", 60)] = strings.Repeat("v", 60)
	if errs := k8svalidation.IsQualifiedName(prefix + "/" + strings.Repeat("k", 60)); len(errs) > 0 {
		t.Fatalf("test label key invalid: %v", errs)
	}
	r := NodeResource(ids, node, PoolRef{Namespace: "o2ims-system", ID: ids.Of("NodePool", "default")}, ids.Of("NodeKind", "x"))
	var internal o2ims.O2Resource
	if err := v1alpha1.Convert_v1alpha1_O2Resource_To_o2ims_O2Resource(r, &internal, nil); err != nil {
		t.Fatal(err)
	}
	if errs := validation.ValidateResource(&internal); len(errs) > 0 {
		t.Errorf("the Resource of a node with a valid long label is refused by the API: %v", errs.ToAggregate())
	}
}

// A region named "x" (node with region=x) and a region-less zone named "x" share one Location
// key; whether it was described as a region or a zone depended on map iteration order. The
// region's description now wins.
func TestRegressionLocationKindDoesNotDependOnOrder(t *testing.T) {
	cfg := determinismCfg(t)
	nodes := []*corev1.Node{
		newNode("n1", withLabels("topology.kubernetes.io/region", "edge1", "topology.kubernetes.io/zone", "z1")),
		newNode("n2", withLabels("topology.kubernetes.io/zone", "edge1")),
	}
	res := NewPoolResolver(cfg.IDs, cfg.Namespace, cfg.PoolLabel, cfg.NodePools, nil, nil)
	seen := map[string]bool{}
	for range 50 {
		s := ComputeShared(cfg, Snapshot{Nodes: nodes, Pools: res})
		for _, l := range s.Locations {
			seen[string(mustJSON(t, l.Spec))] = true
		}
	}
	if len(seen) > 1 {
		t.Errorf("Location spec differs between identical computations: %d variants: %v", len(seen), seen)
	}
}
