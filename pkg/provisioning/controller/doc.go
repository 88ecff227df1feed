// Package controller is the provisioning controller (docs/provisioning.md): it turns each
// ProvisioningRequest into a Cluster API Cluster with a managed topology (the template's
// ClusterClass, the requested version, templateParameters over the template's defaults as
// variables) and follows the Cluster's v1beta2 conditions into the request's status, step by
// step, until the cluster is in the inventory as a member cluster; a changed templateVersion
// upgrades the topology, and a deleted request deletes its Cluster and waits for it to go.
//
// It is client-go's sample-controller on the process's shared O2 informers (requests,
// templates, the inventory's DeploymentManagers and Resources) and namespaced informers of
// Clusters, with one rate-limited workqueue, leader-elected with the template sync. A request
// is queued when it changes other than in status, when its Cluster, its template, or its
// member's DeploymentManager or Resources change, and after a failure with backoff: event
// driven, nothing polls.
//
// names.go chooses Cluster names, cluster.go builds and compares Clusters, status.go and
// apply.go derive the status, reconcile.go does the writes, controller.go wires the events.
package controller
