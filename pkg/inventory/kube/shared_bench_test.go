package kube

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// BenchmarkComputeShared5000 is the shared-objects pass of the controller at 5,000 Nodes.
func BenchmarkComputeShared5000(b *testing.B) {
	ids, _ := testIDsB()
	nodes := make([]*corev1.Node, 5000)
	for i := range nodes {
		nodes[i] = newNode(fmt.Sprintf("n%05d", i), withReady(corev1.ConditionTrue),
			withLabels("topology.kubernetes.io/zone", fmt.Sprintf("zone-%d", i%4), "node.kubernetes.io/instance-type", fmt.Sprintf("t%d", i%3)))
	}
	cfg := Config{IDs: ids, Namespace: "o2ims-system", PoolLabel: DefaultPoolLabel, Cluster: ClusterInfo{Name: "c", UID: "u"}}
	snap := Snapshot{Nodes: nodes, Pools: NewPoolResolver(ids, cfg.Namespace, cfg.PoolLabel, cfg.NodePools, nil, nil)}
	b.ReportAllocs()
	for b.Loop() {
		ComputeShared(cfg, snap)
	}
}
