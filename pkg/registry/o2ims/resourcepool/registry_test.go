package resourcepool_test

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resourcepool"
)

func pool(ns string, sel *metav1.LabelSelector) *o2ims.ResourcePool {
	return &o2ims.ResourcePool{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"},
		Spec: o2ims.ResourcePoolSpec{ResourcePoolID: "39c85e74-2e98-4e3d-8fec-e5a849d967c6", Name: "p", NodeSelector: sel}}
}

// TestNodeSelectorOnlyInNodePoolNamespaces: a pool may select Nodes only in the inventory
// namespace and the namespaces the operator allows; elsewhere spec.nodeSelector is refused,
// unless an update keeps a selector set before (the sync ignores that one).
func TestNodeSelectorOnlyInNodePoolNamespaces(t *testing.T) {
	k := resourcepool.Kind()
	ten := kind.NewTenancy("o2ims-system", []string{"ran"}, nil)
	all := &metav1.LabelSelector{}
	gpu := &metav1.LabelSelector{MatchLabels: map[string]string{"gpu": "true"}}
	for _, ns := range []string{"o2ims-system", "ran"} {
		if errs := k.ValidateTenancy(ten, pool(ns, all), nil); len(errs) != 0 {
			t.Errorf("%s: %v", ns, errs)
		}
	}
	if errs := k.ValidateTenancy(ten, pool("tenant-b", nil), nil); len(errs) != 0 {
		t.Errorf("a tenant pool without a selector: %v", errs)
	}
	errs := k.ValidateTenancy(ten, pool("tenant-b", all), nil)
	if len(errs) != 1 || errs[0].Field != "spec.nodeSelector" || !strings.Contains(errs[0].Error(), "Forbidden") ||
		!strings.Contains(errs[0].Error(), "--inventory-node-pool-namespaces") {
		t.Fatalf("tenant pool selecting every Node: %v", errs)
	}
	old := pool("tenant-b", gpu)
	if errs := k.ValidateTenancy(ten, pool("tenant-b", gpu.DeepCopy()), old); len(errs) != 0 {
		t.Errorf("an update keeping a selector set before: %v", errs)
	}
	if errs := k.ValidateTenancy(ten, pool("tenant-b", all), old); len(errs) != 1 {
		t.Errorf("an update widening a selector: %v", errs)
	}
	if errs := k.ValidateTenancy(ten, pool("tenant-b", gpu), pool("tenant-b", nil)); len(errs) != 1 {
		t.Errorf("an update adding a selector: %v", errs)
	}
}

// TestPoolReferences: a pool's site and location are references; its O-Cloud (cluster-scoped,
// shared by every namespace) is not.
func TestPoolReferences(t *testing.T) {
	p := pool("tenant-b", nil)
	p.Spec.OCloudSiteID, p.Spec.GlobalLocationID, p.Spec.OCloudID = "site", "loc", "ocloud"
	got := map[string]string{}
	for _, r := range resourcepool.Kind().Refs(p) {
		got[r.Path.String()] = r.Resource + "/" + r.ID
	}
	if len(got) != 2 || got["spec.oCloudSiteId"] != "ocloudsites/site" || got["spec.globalLocationId"] != "locations/loc" {
		t.Errorf("refs %v", got)
	}
}
