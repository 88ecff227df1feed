package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/netweave-io/netweave/test/e2e/framework"
)

func printNextSteps(c config, r *running, took time.Duration) {
	fmt.Printf("\nnetweave is up (%.1fs).\n\n", took.Seconds())
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  netweave\thttps://127.0.0.1:%d\t%s\n", r.netweavePort, r.netweave.LogPath())
	fmt.Fprintf(tw, "  O2-IMS API\thttps://127.0.0.1:%d\t(same process)\n", r.o2Port)
	fmt.Fprintf(tw, "  kube-apiserver\t%s\t%s\n", r.cp.KubeAPIServer.URL, r.cp.KubeAPIServer.Process.LogPath())
	fmt.Fprintf(tw, "  etcd\t%s\t%s\n", r.cp.Etcd.URL, r.cp.Etcd.Process.LogPath())
	fmt.Fprintf(tw, "  redis\t%s\t%s\n", r.redisAddr, r.redis.LogPath())
	_ = tw.Flush()
	if len(r.examples) > 0 {
		fmt.Printf("\napplied %d example file(s) from %s\n", len(r.examples), c.examples)
	}
	if r.demoNodes > 0 {
		fmt.Printf("created %d demo nodes in zones us-east-1a and us-east-1b; netweave syncs them (--inventory-sync)\n", r.demoNodes)
	}
	for _, err := range r.exampleErrors {
		fmt.Printf("\nWARNING: %v\n", err)
	}
	fmt.Printf(`
Try:
  export KUBECONFIG=%s
  kubectl get apiservice %s
  kubectl api-resources --api-group=%s
  kubectl get resourcepools -A
  kubectl get nodes -L topology.kubernetes.io/zone,node.kubernetes.io/instance-type
  kubectl get resources,resourcetypes,deploymentmanagers,ocloudsites -n o2ims-system
  kubectl cordon edge-b-worker-1 && kubectl get resource edge-b-worker-1 -n o2ims-system -o jsonpath='{.status.adminState}'
  kubectl explain resourcepool.spec
  kubectl --kubeconfig=%s get resourcepools -A   # alice has no RBAC yet: expect Forbidden

The O2-IMS REST API, as an SMO sees it:
  TOKEN=$(kubectl config view --raw -o jsonpath='{.users[0].user.token}')
  curl --cacert %s -H "Authorization: Bearer $TOKEN" https://127.0.0.1:%d/o2ims-infrastructureInventory/v1/
  curl --cacert %s -H "Authorization: Bearer $TOKEN" 'https://127.0.0.1:%d/o2ims-infrastructureInventory/v2/resourcePools'
  curl --cacert %s -H "Authorization: Bearer $TOKEN" 'https://127.0.0.1:%d/o2ims-infrastructureInventory/v2/resourceTypes?filter=(eq,resourceClass,COMPUTE)&fields=name,vendor'

Press Ctrl-C to stop everything.
`, r.kubeconfigs[framework.Admin], framework.APIServiceName, framework.APIServiceGroup, r.kubeconfigs[framework.Alice],
		r.caFile, r.o2Port, r.caFile, r.o2Port, r.caFile, r.o2Port)
}
