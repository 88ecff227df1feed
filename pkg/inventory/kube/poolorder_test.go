package kube

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// A node pool namespace's admin may claim Nodes (--inventory-node-pool-namespaces), not take
// the ones the operator's own pools claim: pools were tried by namespace name, so one of
// namespace "a-team" selecting every Node ({}) sorted before the inventory namespace
// "o2ims-system" and moved every Node out of the operator's pools, their Resources and their
// alarms into a-team. The inventory namespace's pools come first; the node pool namespaces'
// claim what those leave.
func TestRegressionNodePoolNamespaceTakesOperatorsPoolNodes(t *testing.T) {
	ids := testIDs(t)
	operator := &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Namespace: "o2ims-system", Name: "gpu"},
		Spec: v1alpha1.ResourcePoolSpec{ResourcePoolID: "11111111-1111-1111-1111-111111111111", Name: "gpu",
			NodeSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"gpu": "true"}}},
	}
	everything := &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Namespace: "a-team", Name: "all"},
		Spec: v1alpha1.ResourcePoolSpec{ResourcePoolID: "22222222-2222-2222-2222-222222222222", Name: "all",
			NodeSelector: &metav1.LabelSelector{}},
	}
	r := NewPoolResolver(ids, "o2ims-system", DefaultPoolLabel, inventory.NewNodePoolNamespaces("o2ims-system", "a-team"),
		[]*v1alpha1.ResourcePool{everything, operator}, nil)
	gpu := newNode("g1", withLabels("gpu", "true"))
	if ref := r.Resolve(gpu); ref.Namespace != "o2ims-system" || ref.Name != "gpu" {
		t.Errorf("node g1 placed in %s/%s, want the operator's pool o2ims-system/gpu", ref.Namespace, ref.Name)
	}
	// What the operator's pools leave, the node pool namespace's pool claims.
	other := newNode("w1", func(n *corev1.Node) {})
	if ref := r.Resolve(other); ref.Namespace != "a-team" || ref.Name != "all" {
		t.Errorf("node w1 placed in %s/%s, want a-team/all", ref.Namespace, ref.Name)
	}
}
