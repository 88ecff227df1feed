package main

import (
	"fmt"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// printMembers shows the O-Cloud's three clusters on both faces: the central one netweave runs
// in and the member control planes startMembers brought up, each synced under its own
// DeploymentManager. It uses $TOKEN from the REST section above.
func printMembers(r *running) {
	if len(r.members) < 2 {
		return
	}
	regional, edge := r.members[1], r.members[0] // sorted by name: far-edge, regional
	fmt.Printf(`
One O-Cloud, three clusters (docs/multicluster.md): besides this one, members %[1]s (%[2]d nodes) and %[3]s
(%[4]d node), control planes of their own registered by labelled kubeconfig Secrets:
  kubectl -n %[5]s get secrets -l %[6]s=true
  kubectl -n %[5]s get deploymentmanagers                         # this cluster's (local-cluster), %[1]s and %[3]s
  kubectl -n %[5]s get resourcepools,ocloudsites -L %[7]s      # each member's own pools and sites
  kubectl -n %[5]s get resources -l %[7]s=%[3]s
  kubectl --kubeconfig=%[8]s get nodes -L topology.kubernetes.io/zone    # the member itself
  INV=https://127.0.0.1:%[9]d/o2ims-infrastructureInventory
  curl -s --cacert %[10]s -H "Authorization: Bearer $TOKEN" "$INV/v1/deploymentManagers"
  curl -s --cacert %[10]s -H "Authorization: Bearer $TOKEN" "$INV/v1/resourcePools"
  DM=$(kubectl -n %[5]s get deploymentmanager %[1]s -o jsonpath='{.spec.deploymentManagerId}')
  curl -s --cacert %[10]s -H "Authorization: Bearer $TOKEN" "$INV/v1/deploymentManagers/$DM?profile=k8s"   # endpoint and CA of %[1]s
A member's change reaches the inventory (and O2 subscriptions) with the member's ids:
  kubectl --kubeconfig=%[8]s label node worker-2 %[11]s=gpu
  kubectl -n %[5]s get resourcepools -l %[7]s=%[1]s -w            # %[1]s-gpu appears
`, regional.name, regional.nodes, edge.name, edge.nodes, inventoryNamespace, o2v1.LabelMemberCluster, o2v1.LabelCluster,
		regional.kubeconfig, r.o2Port, r.caFile, o2v1.NodeLabelResourcePool)
}
