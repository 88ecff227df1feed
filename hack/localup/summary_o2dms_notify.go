package main

import "fmt"

// printNfDeploymentNotifications shows NfDeploymentSubscriptions (docs/o2dms.md,
// "Notifications"): the SMO stand-in subscribed to NfDeployment changes, a deployment created,
// its status moved as the deployment controller moves it, and deleted.
func printNfDeploymentNotifications(r *running) {
	fmt.Printf(`
O2-DMS notifications: the SMO stand-in subscribes to NfDeployment changes (created, phase or
release revision changed, deleted; other status writes are not notified):
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
  DM=$(kubectl get deploymentmanagers -n %[1]s -o jsonpath='{.items[0].spec.deploymentManagerId}')
  kubectl apply -f - <<YAML
apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeploymentDescriptor
metadata: {name: notify-demo, namespace: %[1]s}
spec: {chart: {repository: {url: "https://charts.example.com/stable", name: demo}}, version: 1.0.0}
---
apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeployment
metadata: {name: notify-demo, namespace: %[1]s}
spec: {descriptorRef: {name: notify-demo}, deploymentManagerId: $DM}
YAML
  # CREATE. The deployment controller moves the phase and revision; by hand, as it would:
  kubectl patch nfdeployment notify-demo -n %[1]s --subresource=status --type=merge -p '{"status":{"phase":"DEPLOYED","releaseRevision":1}}'   # MODIFY, changes [phase, releaseRevision]
  kubectl patch nfdeployment notify-demo -n %[1]s --subresource=status --type=merge -p '{"status":{"message":"all ready"}}'                      # nothing
  kubectl get nfdeploymentsubscription smo-nfdeployments -n %[1]s -o jsonpath='{.status}'; echo
  kubectl delete nfdeployment notify-demo -n %[1]s                                                                                            # DELETE
`, inventoryNamespace, r.smo.URL, r.smo.LogPath)
}
