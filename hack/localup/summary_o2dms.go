package main

import (
	"fmt"

	"github.com/netweave-io/netweave/internal/localstack"
)

// printO2DMS shows the O2-DMS steps: deploy demo-nf from the local chart repository into
// dmsNamespace of this cluster and of member regional with kubectl apply, upgrade it, roll it
// back, repair drift and delete it, with helm list agreeing.
func printO2DMS(r *running) {
	if r.charts == nil || len(r.members) < 2 {
		return
	}
	regional := r.members[1] // sorted by name: far-edge, regional
	helm, err := localstack.HelmBinary()
	if err != nil {
		helm = "helm"
	}
	fmt.Printf(`
Deployments (O2-DMS, docs/o2dms.md): the chart repository %[1]s serves %[2]s 0.1.0 and 0.2.0,
shared by the operator as NfDeploymentDescriptors; the controller deploys into namespace %[3]s here
and in member %[4]s (it does not wait for readiness here: no kubelets, so Deployments stay 0/1):
  kubectl -n %[5]s get nfdeploymentdescriptors
  LOCAL_DM=$(kubectl -n %[5]s get deploymentmanager local-cluster -o jsonpath='{.spec.deploymentManagerId}')
  REGIONAL_DM=$(kubectl -n %[5]s get deploymentmanager %[4]s -o jsonpath='{.spec.deploymentManagerId}')
  kubectl apply -f - <<YAML
apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeployment
metadata: {name: nf-local, namespace: %[3]s}
spec: {descriptorRef: {name: %[2]s-0.1.0, namespace: %[5]s}, deploymentManagerId: $LOCAL_DM, values: {message: first}}
---
apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeployment
metadata: {name: nf-regional, namespace: %[3]s}
spec: {descriptorRef: {name: %[2]s-0.1.0, namespace: %[5]s}, deploymentManagerId: $REGIONAL_DM, values: {message: first}}
YAML
  kubectl -n %[3]s get nfdeployments -w                   # PENDING → INSTALLING → DEPLOYED, REVISION 1
  %[6]s list -n %[3]s --kubeconfig %[7]s                  # nf-local, revision 1, deployed
  %[6]s list -n %[3]s --kubeconfig %[8]s                  # nf-regional, revision 1, deployed
  kubectl -n %[3]s get nfdeployment nf-regional -o jsonpath='{.status.workloads}'
  kubectl -n %[3]s describe nfdeployment nf-regional      # Events: Pending, Installing, Deployed (a failure: a Warning with its reason)
Upgrade (values, then the chart version), roll back, and watch the ConfigMap in %[4]s follow:
  kubectl -n %[3]s patch nfdeployment nf-regional --type=merge -p '{"spec":{"values":{"message":"second"}}}'     # UPGRADING → DEPLOYED, REVISION 2
  kubectl -n %[3]s wait nfdeployment nf-regional --for=jsonpath='{.status.releaseRevision}'=2   # each step waits for the last: patched together, they would be one upgrade
  kubectl -n %[3]s patch nfdeployment nf-regional --type=merge -p '{"spec":{"descriptorRef":{"name":"%[2]s-0.2.0","namespace":"%[5]s"}}}'   # REVISION 3
  kubectl -n %[3]s wait nfdeployment nf-regional --for=jsonpath='{.status.releaseRevision}'=3
  kubectl --kubeconfig %[8]s -n %[3]s get configmap nf-regional-config -o jsonpath='{.data}'; echo   # chartVersion 0.2.0, message second
  kubectl -n %[3]s patch nfdeployment nf-regional --type=merge -p '{"spec":{"desiredRevision":1}}'          # ROLLING_BACK → DEPLOYED, REVISION 4 (= revision 1's chart and values)
  kubectl -n %[3]s wait nfdeployment nf-regional --for=jsonpath='{.status.releaseRevision}'=4
  kubectl -n %[3]s get nfdeployments
  kubectl -n %[3]s get nfdeployment nf-regional -o jsonpath='{range .status.history[*]}{.revision} {.chartVersion} {.outcome}{"\n"}{end}'
  %[6]s history nf-regional -n %[3]s --kubeconfig %[8]s
A release name is its first NfDeployment's: the operator's namespace may target %[3]s, but an NfDeployment of
its with the name nf-regional neither upgrades nor, deleted, uninstalls the tenant's release:
  kubectl apply -f - <<YAML
apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeployment
metadata: {name: nf-regional, namespace: %[5]s}
spec: {descriptorRef: {name: %[2]s-0.2.0}, deploymentManagerId: $REGIONAL_DM, targetNamespace: %[3]s, values: {message: operator}}
YAML
  kubectl -n %[5]s wait nfdeployment nf-regional --for=jsonpath='{.status.phase}'=FAILED
  kubectl -n %[5]s get nfdeployment nf-regional -o jsonpath='{.status.phase} {.status.message}{"\n"}'   # FAILED release nf-regional ... belongs to an NfDeployment of another namespace
  kubectl -n %[5]s delete nfdeployment nf-regional && %[6]s list -n %[3]s --kubeconfig %[8]s   # the tenant's nf-regional still deployed
Drift and deletion:
  %[6]s uninstall nf-local -n %[3]s --kubeconfig %[7]s   # behind netweave's back
  kubectl -n %[3]s get nfdeployments -w                   # reinstalled within 10s (condition DriftRepaired)
  kubectl -n %[3]s delete nfdeployment nf-local nf-regional   # DELETING: uninstalled, then the finalizer goes
A chart source netweave will not fetch from (the cloud metadata address; --o2dms-chart-allowed-cidrs
allows a site's private registry, as 127.0.0.0/8 is allowed here for the local repository):
  kubectl apply -f - <<YAML
apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeploymentDescriptor
metadata: {name: metadata-probe, namespace: %[3]s}
spec: {chart: {repository: {url: "http://169.254.169.254/charts", name: probe}}, version: 1.0.0}
---
apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeployment
metadata: {name: nf-probe, namespace: %[3]s}
spec: {descriptorRef: {name: metadata-probe, namespace: %[3]s}, deploymentManagerId: $LOCAL_DM}
YAML
  kubectl -n %[3]s wait nfdeployment nf-probe --for=jsonpath='{.status.phase}'=FAILED
  kubectl -n %[3]s get nfdeployment nf-probe -o jsonpath='{.status.phase} {.status.message}{"\n"}'   # FAILED ... address not allowed for chart sources, nothing sent
A chart whose templates never stop rendering (%[9]s) is FAILED on the bounds of a rendering, which runs in a
child process (--o2dms-render-memory-bytes, --o2dms-render-timeout), and netweave carries on:
  kubectl apply -f - <<YAML
apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeploymentDescriptor
metadata: {name: runaway, namespace: %[3]s}
spec: {chart: {repository: {url: "%[1]s", name: %[9]s}}, version: 0.1.0}
---
apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeployment
metadata: {name: nf-runaway, namespace: %[3]s}
spec: {descriptorRef: {name: runaway, namespace: %[3]s}, deploymentManagerId: $LOCAL_DM}
YAML
  kubectl -n %[3]s wait nfdeployment nf-runaway --for=jsonpath='{.status.phase}'=FAILED
  kubectl -n %[3]s get nfdeployment nf-runaway -o jsonpath='{.status.message}{"\n"}'   # ... went past the bounds of a rendering: rendering needed more than 256 MiB
`, r.charts.URL, localstack.DemoChartName, dmsNamespace, regional.name, inventoryNamespace, helm,
		r.kubeconfigs[localstack.Admin], regional.kubeconfig, localstack.RunawayChartName)
}
