// Package templates is the template sync of provisioning (docs/provisioning.md): it watches
// the Cluster API ClusterClasses of --provisioning-clusterclass-namespaces and keeps one
// ManagedInfrastructureTemplate per ClusterClass and Kubernetes version it offers
// (spec.kubernetesVersions), named "<class>.<version>" in the ClusterClass's namespace.
//
// derive.go turns a ClusterClass into its templates, schema.go a ClusterClass variable's
// OpenAPI schema into the JSON schema admission checks templateParameters with, and sync.go
// and reconcile.go are the leader-elected controller that writes them. Only templates with the
// o2ims.oran.org/managed-by=netweave-template-sync label are ever changed or deleted; edits by
// anyone else are overwritten.
package templates
