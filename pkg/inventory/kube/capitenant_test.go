package kube

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/netweave-io/netweave/pkg/inventory"
)

// In a management cluster the Cluster API objects the adapter lists are mostly other clusters':
// a tenant's provisioned cluster has its MachineDeployments in the tenant's namespace. Those
// are no pools of this cluster's Nodes, and as the O-Cloud's ResourcePools in the inventory
// namespace they showed every SMO reading the inventory the tenant's namespace, its cluster's
// name (its provisioningRequestId) and its size, and let whoever may write MachineDeployments
// there have netweave write pools into the operator's namespace. Only the MachineDeployments and
// MachineSets of the clusters this cluster's Nodes belong to are its pools.
func TestRegressionTenantMachineDeploymentIsNoOCloudPool(t *testing.T) {
	ids := testIDs(t)
	one := int64(1)
	own := &MachineSetInfo{Kind: sourceMachineDeployment, Namespace: "capi", Name: "mgmt-workers", UID: "md-own", Cluster: "mgmt", Replicas: &one}
	spare := &MachineSetInfo{Kind: sourceMachineDeployment, Namespace: "capi", Name: "mgmt-spare", UID: "md-spare", Cluster: "mgmt", Replicas: new(int64)}
	tenant := &MachineSetInfo{Kind: sourceMachineDeployment, Namespace: "tenant-a",
		Name: "tenant-a-0b6f3b8e-6d7e-4a55-9d1a-2f0c9e1d7a10-md-0", UID: "md-tenant",
		Cluster: "tenant-a-0b6f3b8e-6d7e-4a55-9d1a-2f0c9e1d7a10", Replicas: &one}
	capi := fakeCAPI{
		sets: map[string]*MachineSetInfo{"capi/mgmt-workers-x": {Kind: sourceMachineSet, Namespace: "capi", Name: "mgmt-workers-x",
			UID: "ms-own", Deployment: "mgmt-workers", Cluster: "mgmt"}},
		deployments: map[string]*MachineSetInfo{"capi/mgmt-workers": own, "capi/mgmt-spare": spare, "tenant-a/" + tenant.Name: tenant},
	}
	// This cluster runs on Cluster API machines of its own Cluster capi/mgmt (self-hosted).
	node := newNode("w1", func(n *corev1.Node) {
		n.Annotations = map[string]string{capiOwnerKindAnnot: sourceMachineSet, capiOwnerNameAnnot: "mgmt-workers-x",
			capiClusterNSAnnot: "capi", capiClusterNameAnnot: "mgmt"}
	})
	cfg := Config{IDs: ids, Namespace: "o2ims-system", PoolLabel: DefaultPoolLabel,
		NodePools: inventory.NewNodePoolNamespaces("o2ims-system"),
		Cluster:   ClusterInfo{Name: "mgmt", URL: "https://k8s.example.net:6443", UID: "ks"}}
	s := ComputeShared(cfg, Snapshot{Nodes: []*corev1.Node{node},
		Pools: NewPoolResolver(ids, cfg.Namespace, cfg.PoolLabel, cfg.NodePools, nil, capi), CAPI: capi})
	got := names(s.ResourcePools)
	// The cluster's own MachineDeployments are its pools, the one scaled to zero included.
	for _, want := range []string{inventory.ObjectName("md", "capi", "mgmt-workers"), inventory.ObjectName("md", "capi", "mgmt-spare")} {
		if !slices.Contains(got, want) {
			t.Errorf("pools = %v, want this cluster's MachineDeployment pool %s", got, want)
		}
	}
	if bad := inventory.ObjectName("md", tenant.Namespace, tenant.Name); slices.Contains(got, bad) {
		t.Errorf("pools = %v: tenant-a's MachineDeployment of its own cluster is published as the O-Cloud's pool %s", got, bad)
	}

	// A management cluster whose own Nodes are no Cluster API machines has no Cluster API pools.
	plain := newNode("cp1")
	s = ComputeShared(cfg, Snapshot{Nodes: []*corev1.Node{plain},
		Pools: NewPoolResolver(ids, cfg.Namespace, cfg.PoolLabel, cfg.NodePools, nil, capi), CAPI: capi})
	if got := names(s.ResourcePools); !slices.Equal(got, []string{defaultPoolName}) {
		t.Errorf("pools = %v, want only %s: none of this cluster's Nodes is a Cluster API machine", got, defaultPoolName)
	}
}

// MachineInfo reads the cluster a MachineDeployment or MachineSet belongs to: spec.clusterName,
// which Cluster API requires.
func TestMachineInfoReadsItsCluster(t *testing.T) {
	u := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"namespace": "tenant-a", "name": "c-md-0", "uid": "u",
			"labels": map[string]any{"cluster.x-k8s.io/cluster-name": "label-name"}},
		"spec": map[string]any{"clusterName": "c", "replicas": int64(2)},
	}}
	if m := MachineInfo(sourceMachineDeployment, u); m.Cluster != "c" {
		t.Errorf("cluster = %q, want spec.clusterName c", m.Cluster)
	}
	unstructured.RemoveNestedField(u.Object, "spec", "clusterName")
	if m := MachineInfo(sourceMachineDeployment, u); m.Cluster != "label-name" {
		t.Errorf("cluster = %q, want the cluster-name label without spec.clusterName", m.Cluster)
	}
}
