package main

import (
	"fmt"
	"os"

	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/inventory/members"
)

// printProvisioningKubectl shows provisioning on Cluster API with kubectl: the templates the
// template sync made of the demo ClusterClass, a request in the tenant namespace, its Cluster,
// and the status following as the reader plays Cluster API (no Cluster API controller runs
// here) by patching the Cluster's conditions, up to FULFILLED once a kubeconfig Secret brings
// the "cluster" (a member control plane of this stack) into the inventory; then a failure, an
// upgrade and the deletion. The O2-IMS REST steps follow in printProvisioning.
func printProvisioningKubectl(r *running) {
	memberKubeconfig, endpoint := "<a member kubeconfig>", `{"host":"<its server's host>","port":<its port>}`
	if len(r.members) > 0 {
		memberKubeconfig = r.members[0].cp.Kubeconfig(localstack.Admin)
		if b, err := os.ReadFile(memberKubeconfig); err == nil {
			if ep, err := members.EndpointOf(b); err == nil {
				endpoint = fmt.Sprintf(`{"host":%q,"port":%d}`, ep.Host, ep.Port)
			}
		}
	}
	fmt.Printf(`
Provisioning on Cluster API with kubectl (docs/provisioning.md). Cluster API's CRDs and the demo
ClusterClass are installed; no Cluster API controller runs, so you play its part:
  kubectl get clusterclasses -n %[1]s
  kubectl get managedinfrastructuretemplates -A      # demo.v1.33.0 and demo.v1.34.0, made by the template sync
  kubectl get managedinfrastructuretemplate demo.v1.33.0 -n %[1]s -o jsonpath='{.spec.parameterSchema}{"\n"}{.spec.defaults}{"\n"}'
  # A tenant's SMO reads the operator's templates through o2ims-template-reader bound there, and nothing else of the operator's:
  kubectl create rolebinding alice-templates -n %[1]s --clusterrole=o2ims-template-reader --user=alice
  kubectl --kubeconfig=%[5]s get managedinfrastructuretemplates -n %[1]s   # alice: the templates
  kubectl --kubeconfig=%[5]s get provisioningrequests -n %[1]s             # alice: Forbidden
  ID=$(cat /proc/sys/kernel/random/uuid); NS=%[2]s; CL=$NS-$ID   # the Cluster is named <namespace>-<provisioningRequestId>
%[6]s  kubectl get provisioningrequests -n $NS -w     # in a second terminal (set ID, NS, CL there too): PHASE follows each step below
  kubectl get cluster $CL -n $NS -o jsonpath='{.spec.topology}{"\n"}'      # class demo, v1.33.0, region/workers/flavor
  steps() { kubectl get provisioningrequest $ID -n $NS -o jsonpath='{.status.provisioningPhase}: {.status.message}{"\n"}{range .status.conditions[*]}  {.type}={.status}: {.message}{"\n"}{end}'; }
  steps
  # Play Cluster API: capi T1 T2 ... sets those Cluster conditions True for the Cluster's generation.
  capi() { G=$(kubectl get cluster $CL -n $NS -o jsonpath='{.metadata.generation}'); T=$(date -u +%%FT%%TZ); C=; for t in "$@"; do C="$C${C:+,}{\"type\":\"$t\",\"status\":\"True\",\"reason\":\"Ready\",\"message\":\"\",\"lastTransitionTime\":\"$T\",\"observedGeneration\":$G}"; done; kubectl patch cluster $CL -n $NS --subresource=status --type=merge -p "{\"status\":{\"conditions\":[$C]}}"; }
  # Cluster API records the control plane's address; only a kubeconfig Secret naming it registers the cluster:
  kubectl patch cluster $CL -n $NS --type=merge -p '{"spec":{"controlPlaneEndpoint":%[4]s}}'
  capi InfrastructureReady; steps
  capi InfrastructureReady ControlPlaneAvailable WorkersAvailable TopologyReconciled; steps   # now waits for the kubeconfig Secret
  # Cluster API's kubeconfig Secret; here it points at a member control plane of this stack, on loopback, which
  # a tenant's member may use only because netweave runs with --inventory-tenant-member-allowed-cidrs=%[7]s
  # (chart: provisioning.memberAllowedCIDRs); elsewhere its ClusterReachable condition says "cannot connect":
  kubectl create secret generic $CL-kubeconfig -n $NS --type=cluster.x-k8s.io/secret --from-file=value=%[3]s
  kubectl label secret $CL-kubeconfig -n $NS cluster.x-k8s.io/cluster-name=$CL
  sleep 5; steps; kubectl get provisioningrequest $ID -n $NS -o jsonpath='{.status.provisionedResourceSet}{"\n"}'   # FULFILLED
  kubectl get deploymentmanagers -n %[1]s -l o2ims.oran.org/cluster=$CL
  # A condition failing (reason ending in Failed) fails the request with the reason; True again recovers:
  kubectl patch cluster $CL -n $NS --subresource=status --type=json -p '[{"op":"replace","path":"/status/conditions/1/status","value":"False"},{"op":"replace","path":"/status/conditions/1/reason","value":"ProvisioningFailed"},{"op":"replace","path":"/status/conditions/1/message","value":"etcd member lost"}]'; steps
  capi InfrastructureReady ControlPlaneAvailable WorkersAvailable TopologyReconciled; steps
  # Upgrade: the Cluster gets v1.34.0; "upgrading to v1.34.0" until Cluster API reconciles the new generation.
  kubectl patch provisioningrequest $ID -n $NS --type=merge -p '{"spec":{"templateVersion":"v1.34.0"}}'; sleep 1; steps
  capi InfrastructureReady ControlPlaneAvailable WorkersAvailable TopologyReconciled; steps
  # The request stays: the last section ("The store lost") wipes Redis under it, then deletes it.
`, inventoryNamespace, provisioningNamespace, memberKubeconfig, endpoint, r.kubeconfigs[localstack.Alice], applyRequest("v1.33.0"), localstack.TenantMemberAllowedCIDRs)
}

// printStoreLost wipes the store under the provisioning request of printProvisioningKubectl,
// last of all, since it takes with it every object no sync writes back (the examples, the O2-DMS
// descriptors) that the sections before it use.
func printStoreLost(r *running) {
	fmt.Printf(`
The store lost (docs/provisioning.md, Faults; a Redis restarted without persistence looks like this): it
wipes every netweave object; the syncs write the inventory and templates back, nothing else comes back
(the examples, the O2-DMS descriptors: run it last). The provisioning request of "Provisioning on Cluster
API with kubectl" is gone, its Cluster is kept, never deleted for that, logged and counted in
netweave_provisioning_orphaned_clusters:
  ID=${CL#$NS-}   # that section's request (the O2-IMS provisioning section set ID to its own)
  redis-cli -u redis://%[1]s FLUSHALL; sleep 5; kubectl get provisioningrequests -n $NS
  kubectl get clusters -A -l o2ims.oran.org/managed-by=netweave-provisioning
  kubectl get alarms -A          # the alarms still active (the NotReady node's, alerts still firing) are back at once, same ids (docs/alarms.md)
  # Submit the request again as it last was (same $ID, v1.34.0): it adopts its Cluster, FULFILLED without a rebuild.
%[4]s  sleep 2; kubectl get cluster $CL -n $NS -o jsonpath='{.metadata.annotations}{"\n"}'; steps   # o2ims.oran.org/provisioning-request-previous-uid; FULFILLED
  kubectl delete provisioningrequest $ID -n $NS    # DELETING until the Cluster is gone (here at once: no Cluster API finalizer), then gone
  curl -s --cacert %[2]s -H "Authorization: Bearer $TOKEN" https://127.0.0.1:%[3]d/metrics | grep '^netweave_redis_storage_resets_total' | awk '{n+=$2} END {print n}'   # >0 now: one reason="epoch" reset per resource
`, r.redisAddr, r.caFile, r.netweavePort, applyRequest("v1.34.0"))
}

// applyRequest is the kubectl apply of the demo provisioning request $ID in $NS at version.
func applyRequest(version string) string {
	return `  kubectl apply -f - <<EOF
apiVersion: o2ims.oran.org/v1alpha1
kind: ProvisioningRequest
metadata: {name: $ID, namespace: $NS}
spec: {name: edge-2, templateName: demo, templateVersion: ` + version + `, templateParameters: {region: eu-west, workers: 3}}
EOF
`
}
