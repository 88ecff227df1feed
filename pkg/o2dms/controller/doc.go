// Package controller is the O2-DMS controller: it turns each NfDeployment into a Helm release
// in the target cluster (pkg/helmrelease) and reports it in the NfDeployment's status.
//
// It follows client-go's sample-controller: the NfDeployment, NfDeploymentDescriptor and
// DeploymentManager informers of the process's one shared factory (pkg/o2informers, seen
// through a leader term), one rate-limited workqueue of namespace/name keys (exponential
// backoff per key, metrics as workqueue_*{name="o2dms_nfdeployments"}), workers that
// reconcile one key at a time, and a leader-elected Run (pkg/leader, its own Lease).
//
// # Releases
//
// The release of NfDeployment <ns>/<name> is named <name> in spec.targetNamespace of the
// cluster of spec.deploymentManagerId. Helm release names are unique per namespace of a
// cluster, and NfDeployment names are unique per namespace; two NfDeployments with one name
// and one target namespace can only come from two namespaces that may both deploy there. A
// tenant deploys only into the namespaces the tenancy mapping gives it (its own name by
// default, so no two tenants share one); the operator's inventory namespace may target any
// namespace, so an operator's NfDeployment may meet a tenant's. Each revision records its
// NfDeployment's namespace (helmrelease.OwnerLabel): the first keeps the name, the other is
// FAILED ReleaseNameTaken and never touches the release, not even on delete. The controller
// re-checks the tenancy rule itself before it touches a target.
//
// # Phases
//
//	PENDING      accepted, nothing done yet (first reconcile adds the finalizer)
//	INSTALLING   no release in the target: helm install (atomic)
//	UPGRADING    spec changed (generation): helm upgrade (atomic; a refused upgrade leaves
//	             the deployed revision running)
//	ROLLING_BACK spec.desiredRevision set to a revision other than the one last acted on
//	DEPLOYED     the release runs the spec (or the desired revision)
//	FAILED       the last attempt failed: message and the Ready condition say why; retried
//	             with exponential backoff (1 s doubling to --o2dms-retry-max)
//	DELETING     the NfDeployment is being deleted: helm uninstall, then the finalizer
//	             o2dms.oran.org/release is removed
//
// Drift: every --o2dms-resync each DEPLOYED NfDeployment's release is read from the target;
// a release gone (helm uninstall behind netweave's back) is installed again and the
// condition DriftRepaired says when and which revision.
package controller
