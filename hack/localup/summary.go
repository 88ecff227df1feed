package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
)

func printNextSteps(c config, r *running, took time.Duration) {
	fmt.Printf("\nnetweave is up (%.1fs).\n\n", took.Seconds())
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  netweave\thttps://127.0.0.1:%d\t%s\n", r.netweavePort, r.netweave.LogPath())
	fmt.Fprintf(tw, "  O2-IMS API\thttps://127.0.0.1:%d\t(same process)\n", r.o2Port)
	fmt.Fprintf(tw, "  kube-apiserver\t%s\t%s\n", r.cp.KubeAPIServer.URL, r.cp.KubeAPIServer.Process.LogPath())
	fmt.Fprintf(tw, "  etcd\t%s\t%s\n", r.cp.Etcd.URL, r.cp.Etcd.Process.LogPath())
	fmt.Fprintf(tw, "  redis\t%s\t%s\n", r.redisAddr, r.redis.LogPath())
	fmt.Fprintf(tw, "  alertmanager\t%s\t%s\n", r.alertmanager.URL, r.alertmanager.Process.LogPath())
	fmt.Fprintf(tw, "  SMO stand-in\t%s\t%s\n", r.smo.URL, r.smo.LogPath)
	for _, m := range r.members {
		fmt.Fprintf(tw, "  member %s\t%s\t%s\n", m.name, m.cp.KubeAPIServer.URL, m.cp.KubeAPIServer.Process.LogPath())
	}
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
	if r.alarmError != nil {
		fmt.Printf("\nWARNING: %v\n", r.alarmError)
	}
	fmt.Printf(`
Try:
  export KUBECONFIG=%s
  kubectl get apiservice %s
  kubectl api-resources --api-group=%s
  kubectl get resourcepools -A
  kubectl get nodes -L topology.kubernetes.io/zone,node.kubernetes.io/instance-type
  kubectl get resources,resourcetypes,deploymentmanagers,ocloudsites -n o2ims-system
  kubectl cordon edge-b-worker-1 && kubectl wait resource edge-b-worker-1 -n o2ims-system --for=jsonpath='{.status.adminState}'=LOCKED   # the inventory sync follows the Node (asynchronously)
  kubectl explain resourcepool.spec
  kubectl --kubeconfig=%s get resourcepools -A   # alice has no RBAC yet: expect Forbidden

The O2-IMS REST API, as an SMO sees it:
  TOKEN=$(kubectl config view --raw -o jsonpath='{.users[0].user.token}')
  curl --cacert %s -H "Authorization: Bearer $TOKEN" https://127.0.0.1:%d/o2ims-infrastructureInventory/v1/
  curl --cacert %s -H "Authorization: Bearer $TOKEN" 'https://127.0.0.1:%d/o2ims-infrastructureInventory/v2/resourcePools'
  curl --cacert %s -H "Authorization: Bearer $TOKEN" 'https://127.0.0.1:%d/o2ims-infrastructureInventory/v2/resourceTypes?filter=(eq,resourceClass,COMPUTE)&fields=name,vendor'
`, r.kubeconfigs[localstack.Admin], localstack.APIServiceName, localstack.APIServiceGroup, r.kubeconfigs[localstack.Alice],
		r.caFile, r.o2Port, r.caFile, r.o2Port, r.caFile, r.o2Port)
	printMonitoring(r)
	printMembers(r)
	printSMORegistration(r)
	printTenantRecipe(r)
	printPolicy(r)
	printNfDeploymentNotifications(r)
	printProvisioningKubectl(r)
	printProvisioning(r)
	printDeploy(c)
	printO2DMS(r)
	printRedisFaults(r)
	printStoreLost(r)
	printStalledSMO(r)
	printFairness(r)
	printAudit(r)
	fmt.Print("\nPress Ctrl-C to stop everything.\n")
}

// printTenantRecipe shows the tenant boundary with the shipped ClusterRoles (charts/netweave's
// roles, artifacts/deploy/20-roles.yaml, installed by the bring-up): alice administers
// tenant-a, bob is an SMO in tenant-b, and each sees only their own tenant on both faces.
func printTenantRecipe(r *running) {
	alice, bob := r.kubeconfigs[localstack.Alice], r.kubeconfigs[localstack.Bob]
	o2 := fmt.Sprintf("https://127.0.0.1:%d", r.o2Port)
	inv := "/o2ims-infrastructureInventory/v2"
	fmt.Printf(`
Two tenants, as RBAC draws them (the shipped ClusterRoles bound per namespace):
  kubectl create namespace tenant-a && kubectl create namespace tenant-b
  kubectl create rolebinding alice-admin -n tenant-a --clusterrole=o2ims-admin --user=alice
  kubectl create rolebinding bob-smo -n tenant-b --clusterrole=o2ims-subscriber --user=bob
  echo '{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"ResourcePool","metadata":{"name":"pool-a"},"spec":{"name":"pool-a"}}' | kubectl --kubeconfig=%[1]s apply -n tenant-a -f -
  kubectl --kubeconfig=%[1]s get resourcepools -n tenant-a     # alice: pool-a
  kubectl --kubeconfig=%[1]s get resourcepools -n tenant-b     # alice: Forbidden
  kubectl --kubeconfig=%[2]s get resourcepools -n tenant-a       # bob: Forbidden
  ALICE=$(kubectl --kubeconfig=%[1]s config view --raw -o jsonpath='{.users[0].user.token}')
  BOB=$(kubectl --kubeconfig=%[2]s config view --raw -o jsonpath='{.users[0].user.token}')
  curl -s --cacert %[3]s -H "Authorization: Bearer $ALICE" %[4]s/tenants/tenant-a%[5]s/resourcePools   # pool-a
  curl -s --cacert %[3]s -H "Authorization: Bearer $ALICE" %[4]s%[5]s/resourcePools                    # default apiRoot: only what alice may read
  curl -s --cacert %[3]s -H "Authorization: Bearer $BOB" %[4]s/tenants/tenant-a%[5]s/resourcePools     # 403 problem+json
  curl -s --cacert %[3]s -H "Authorization: Bearer $BOB" -H 'Content-Type: application/json' \
    -d '{"callback":"http://127.0.0.1:9/bob"}' %[4]s/tenants/tenant-b%[5]s/subscriptions          # 201: bob's subscription
  kubectl get inventorysubscriptions -n tenant-b -o wide        # SUBSCRIBER: bob, recorded by the server
  curl -s --cacert %[3]s -H "Authorization: Bearer $ALICE" %[4]s/tenants/tenant-b%[5]s/subscriptions   # 403: not alice's tenant
The operator's inventory is offered kind by kind (RBAC in o2ims-system); a tenant offered nothing cannot even probe its ids:
  POOL=$(kubectl --kubeconfig=%[1]s get resourcepool pool-a -n tenant-a -o jsonpath='{.spec.resourcePoolId}')
  TYPE=$(kubectl get resourcetypes -n o2ims-system -o jsonpath='{.items[0].spec.resourceTypeId}')
  R_A='{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"Resource","metadata":{"name":"r-a"},"spec":{"resourcePoolId":"'$POOL'","resourceTypeId":"'$TYPE'"}}'
  echo "$R_A" | kubectl --kubeconfig=%[1]s create --dry-run=server -n tenant-a -f -   # 422 spec.resourceTypeId, as for an id nobody holds
  kubectl create role types-reader -n o2ims-system --verb=get --resource=resourcetypes.o2ims.oran.org
  kubectl create rolebinding alice-types -n o2ims-system --role=types-reader --user=alice
  echo "$R_A" | kubectl --kubeconfig=%[1]s create --dry-run=server -n tenant-a -f -   # created (server dry run), once the cached refusal expires (10 s)
`, alice, bob, r.caFile, o2, inv)
}
