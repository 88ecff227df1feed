package main

import (
	"fmt"

	"github.com/netweave-io/netweave/internal/localstack"
)

// printNfDeploymentNotifications shows NfDeploymentSubscriptions (docs/o2dms.md,
// "Notifications"): the SMO stand-in subscribed to NfDeployment changes, a deployment of the
// demo chart created, moved by the O2-DMS controller (make run runs it: a status written by
// hand would be overwritten by its next reconcile), and deleted.
func printNfDeploymentNotifications(r *running) {
	fmt.Printf(`
O2-DMS notifications: the SMO stand-in subscribes to NfDeployment changes (created, phase or
release revision changed, deleted; other status writes, e.g. workload readiness, are not notified):
  kubectl apply -f - <<'YAML'
apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeploymentSubscription
metadata: {name: smo-nfdeployments, namespace: %[1]s}
spec:
  callback: %[2]s/nfdeployments
  consumerSubscriptionId: 9e1f5c2a-7b1d-4c55-8a42-2f0d6c1e9b01
YAML
  tail -f %[3]s   # in a second terminal: notificationEventType 0 CREATE, 1 MODIFY (with "changes"), 2 DELETE
  kubectl get nfdeploymentsubscriptions -A -o wide
  LOCAL_DM=$(kubectl -n %[1]s get deploymentmanager local-cluster -o jsonpath='{.spec.deploymentManagerId}')
  kubectl apply -f - <<YAML
apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeployment
metadata: {name: nf-notify, namespace: %[4]s}
spec: {descriptorRef: {name: %[5]s-0.1.0, namespace: %[1]s}, deploymentManagerId: $LOCAL_DM}
YAML
  # CREATE, then the controller's: MODIFY [phase] PENDING, INSTALLING; MODIFY [phase, releaseRevision] DEPLOYED 1
  kubectl -n %[4]s patch nfdeployment nf-notify --type=merge -p '{"spec":{"values":{"message":"second"}}}'   # MODIFY [phase] UPGRADING; MODIFY [phase, releaseRevision] DEPLOYED 2
  kubectl get nfdeploymentsubscription smo-nfdeployments -n %[1]s -o jsonpath='{.status}'; echo
  kubectl -n %[4]s delete nfdeployment nf-notify   # MODIFY [phase] DELETING (the release is uninstalled), then DELETE
`, inventoryNamespace, r.smo.URL, r.smo.LogPath, dmsNamespace, localstack.DemoChartName)
}
