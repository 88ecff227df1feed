package main

import (
	"fmt"

	"github.com/netweave-io/netweave/internal/localstack"
)

// printDeploy shows how netweave is installed on a real cluster (the Helm chart, checked here
// with a server-side dry run against this control plane), the cluster controllers it works
// with (kube-controller-manager runs here), and its version and build info.
func printDeploy(c config) {
	helm, err := localstack.HelmBinary()
	if err != nil {
		helm = "helm"
	}
	fmt.Printf(`
Installing it on a cluster (charts/netweave; README "Deploy to a cluster"), tried here as a
server-side dry run, and the cluster controllers netweave works with:
  %[1]s lint charts/netweave
  %[1]s template netweave charts/netweave -n o2ims-system --set tls.mode=certManager | less
  %[1]s template netweave charts/netweave -n o2ims-system | kubectl apply --server-side --force-conflicts --dry-run=server -f -
  kubectl get clusterrole admin -o yaml | grep -B2 -A3 o2ims.oran.org    # the o2ims roles aggregated into admin
  kubectl create namespace scratch && kubectl -n scratch create -f - <<'YAML'
apiVersion: o2ims.oran.org/v1alpha1
kind: Location
metadata: {name: scratch-loc}
spec: {globalLocationId: SCRATCH-1, name: Scratch}
YAML
  kubectl delete namespace scratch    # completes: kube-controller-manager deletes its O2 objects
  %[2]s version
`, helm, c.netweave)
}
