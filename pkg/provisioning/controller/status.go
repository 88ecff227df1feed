package controller

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// The per-step conditions of a ProvisioningRequest, in the order they complete.
const (
	// ConditionClusterCreated: the Cluster API Cluster exists.
	ConditionClusterCreated = "ClusterCreated"
	// ConditionInfrastructureReady mirrors the Cluster's InfrastructureReady.
	ConditionInfrastructureReady = "InfrastructureReady"
	// ConditionControlPlaneReady mirrors the Cluster's ControlPlaneAvailable.
	ConditionControlPlaneReady = "ControlPlaneReady"
	// ConditionWorkersReady mirrors the Cluster's WorkersAvailable.
	ConditionWorkersReady = "WorkersReady"
	// ConditionInInventory: the cluster is a reachable member cluster of the inventory.
	ConditionInInventory = "InInventory"
	// ConditionFulfilled: all of the above, at the requested version.
	ConditionFulfilled = "Fulfilled"
)

// Reasons of the request's conditions besides those copied from the Cluster's.
const (
	ReasonDone       = "Done"
	ReasonWaiting    = "Waiting"
	ReasonFailed     = "Failed"
	ReasonUpgrading  = "Upgrading"
	ReasonDeleting   = "Deleting"
	ReasonNotOwned   = "ClusterNotOwned"
	ReasonNoTemplate = "TemplateNotFound"
	// ReasonClusterRefused: the management cluster (Cluster API's validation) refused to
	// create the request's Cluster.
	ReasonClusterRefused = "ClusterRefused"
	ReasonUnreachable    = "Unreachable"
	ReasonClusterFailed  = "ClusterFailed"
	// ReasonClusterDeleting: the request's Cluster is being deleted by someone else.
	ReasonClusterDeleting = "ClusterDeleting"
	// ReasonNotApplied: the request's spec is not applied to its Cluster (observation.unapplied).
	ReasonNotApplied = "SpecNotApplied"
)

// member is what the inventory holds of the request's cluster: its DeploymentManager and
// Resources, once its kubeconfig Secret registered it.
type member struct {
	name string
	dm   *v1alpha1.DeploymentManager
	// resourceIDs are its Resources' O2 ids, sorted.
	resourceIDs []string
	// resourceBySource are its Resources' O2 ids by the source the inventory sync records on
	// each (v1alpha1.AnnotationSource, "Node/<name>" for a Node's): a Machine's nodeRef names
	// the Node, and so its Resource.
	resourceBySource map[string]string
}

// observation is everything the request's status is derived from.
type observation struct {
	req *v1alpha1.ProvisioningRequest
	// clusterName is the name the request's Cluster has or will have.
	clusterName string
	// cluster is the request's own Cluster, nil while there is none.
	cluster *clusterv1.Cluster
	// waiting, when set, is why the request's Cluster cannot be created yet (a Cluster of its
	// name, made for an earlier request of its id, is being deleted): PROGRESSING with this
	// message.
	waiting string
	// adopt says cluster is not the request's yet but orphaned, made for a request of its
	// name: ensureCluster adopts it or blocks the request.
	adopt bool
	// blocked, when set, is why the request cannot proceed (a Cluster of its name that is not
	// its own, its template missing, Cluster API refusing to create it): FAILED with this
	// message.
	blocked, blockedReason string
	// undeletable, when set, is why a request being deleted cannot see its Cluster go
	// (netweave may not read it): DELETING with this message.
	undeletable string
	// unapplied, when set, is why the request's spec is not applied to its existing Cluster
	// (no template of the Cluster's ClusterClass, parameters its template refuses, a change
	// Cluster API refuses): FAILED with this message, the Cluster followed as it is.
	unapplied string
	// retry, when set, is a refusal above that may pass by itself (a quota, RBAC): the
	// reconcile returns it, after the status, to be retried with backoff.
	retry  error
	member *member
	// machines are the Cluster's Machines, sorted by name.
	machines []*clusterv1.Machine
}

// step is one condition as derived.
type step struct {
	typ, reason, message string
	done                 bool
}

// deriveStatus returns the status the observation gives; times and unchanged conditions'
// transition times are the caller's (applyStatus).
func deriveStatus(o observation) (v1alpha1.ProvisioningPhase, string, []step) {
	ns := o.req.Namespace
	ref := ns + "/" + o.clusterName
	target := o.req.Spec.TemplateVersion
	if o.req.DeletionTimestamp != nil {
		msg := "deleting Cluster " + ref + "; waiting for Cluster API to tear it down"
		if o.undeletable != "" {
			msg = o.undeletable
		} else if o.cluster == nil {
			msg = "Cluster " + ref + " is gone; releasing the request"
		} else if c := meta.FindStatusCondition(o.cluster.Status.Conditions, clusterv1.DeletingCondition); c != nil && c.Message != "" {
			msg += " (" + c.Message + ")"
		}
		// A request being deleted is not fulfilled, whatever it was: conditions are what
		// clients wait on (kubectl wait --for=condition=Fulfilled), and the phase alone would
		// leave them reading a cluster being torn down as ready. The other steps follow the
		// Cluster and its member as they go.
		deleting := step{typ: ConditionFulfilled, reason: ReasonDeleting, message: msg}
		if o.cluster == nil {
			return v1alpha1.ProvisioningPhaseDeleting, msg, []step{{typ: ConditionClusterCreated, reason: ReasonDeleting, message: msg}, deleting}
		}
		return v1alpha1.ProvisioningPhaseDeleting, msg, append(builtSteps(o), deleting)
	}
	if o.blocked != "" {
		return v1alpha1.ProvisioningPhaseFailed, o.blocked, []step{{typ: ConditionClusterCreated, reason: o.blockedReason, message: o.blocked}}
	}
	if o.waiting != "" {
		return v1alpha1.ProvisioningPhaseProgressing, o.waiting, []step{{typ: ConditionClusterCreated, reason: ReasonWaiting, message: o.waiting}}
	}
	if o.cluster == nil {
		msg := "creating Cluster " + ref
		return v1alpha1.ProvisioningPhaseProgressing, msg, []step{{typ: ConditionClusterCreated, reason: ReasonWaiting, message: msg}}
	}
	c := o.cluster
	steps := builtSteps(o)
	// What Fulfilled waits for, in the order Cluster API builds: the infrastructure, control
	// plane and workers, the topology at the requested version, then the inventory. A request
	// fulfilled before whose version is not reached is upgrading.
	fulfilled := step{typ: ConditionFulfilled, reason: ReasonWaiting}
	versionDone, versionWait := versionReached(c, target)
	for _, s := range steps[1:4] {
		if !s.done {
			fulfilled.message = s.message
			break
		}
	}
	if fulfilled.message == "" && !versionDone {
		fulfilled.message = versionWait
	}
	if fulfilled.message == "" && !steps[4].done {
		fulfilled.message = steps[4].message
	}
	switch {
	case !versionDone && previouslyFulfilled(o.req):
		fulfilled.reason, fulfilled.message = ReasonUpgrading, "upgrading to "+target+": "+fulfilled.message
	case fulfilled.message == "":
		fulfilled.done, fulfilled.reason = true, ReasonDone
		fulfilled.message = fmt.Sprintf("cluster %s is ready at %s and in the inventory", o.clusterName, target)
	}
	if o.unapplied != "" {
		fulfilled = step{typ: ConditionFulfilled, reason: ReasonNotApplied, message: o.unapplied}
	}
	if c.DeletionTimestamp != nil {
		// Deleted behind the request (kubectl delete cluster, a cleanup job): its conditions
		// and the member stay as they were while Cluster API tears it down, so they say nothing
		// of it. The request is not fulfilled; once the Cluster is gone it is created again.
		msg := "Cluster " + ref + " is being deleted, not by this request; it is created again once gone"
		if dc := meta.FindStatusCondition(c.Status.Conditions, clusterv1.DeletingCondition); dc != nil && dc.Message != "" {
			msg += " (" + dc.Message + ")"
		}
		fulfilled = step{typ: ConditionFulfilled, reason: ReasonClusterDeleting, message: msg}
		return v1alpha1.ProvisioningPhaseProgressing, msg, append(steps, fulfilled)
	}
	steps = append(steps, fulfilled)
	if msg, failed := clusterFailure(c); failed {
		return v1alpha1.ProvisioningPhaseFailed, msg, steps
	}
	if o.unapplied != "" {
		return v1alpha1.ProvisioningPhaseFailed, o.unapplied, steps
	}
	if fulfilled.done {
		return v1alpha1.ProvisioningPhaseFulfilled, fulfilled.message, steps
	}
	return v1alpha1.ProvisioningPhaseProgressing, fulfilled.message, steps
}

// builtSteps are the steps of the request's Cluster, o.cluster, before Fulfilled: created, its
// infrastructure, control plane and workers, and its member in the inventory.
func builtSteps(o observation) []step {
	c := o.cluster
	return []step{
		{typ: ConditionClusterCreated, done: true, reason: ReasonDone,
			message: fmt.Sprintf("Cluster %s/%s created from ClusterClass %s", c.Namespace, c.Name, classRefString(c))},
		mirror(c, ConditionInfrastructureReady, clusterv1.ClusterInfrastructureReadyCondition, "the infrastructure"),
		mirror(c, ConditionControlPlaneReady, clusterv1.ClusterControlPlaneAvailableCondition, "the control plane"),
		mirror(c, ConditionWorkersReady, clusterv1.ClusterWorkersAvailableCondition, "the workers"),
		inventoryStep(o),
	}
}

func classRefString(c *clusterv1.Cluster) string {
	ref := c.Spec.Topology.ClassRef
	if ref.Namespace == "" {
		return ref.Name
	}
	return ref.Namespace + "/" + ref.Name
}

// mirror turns the Cluster's condition clusterType into the request's step typ: done when
// True, else waiting for it, with what Cluster API says of it.
func mirror(c *clusterv1.Cluster, typ, clusterType, what string) step {
	cond := meta.FindStatusCondition(c.Status.Conditions, clusterType)
	if cond != nil && cond.Status == metav1.ConditionTrue {
		return step{typ: typ, done: true, reason: ReasonDone, message: fmt.Sprintf("Cluster API reports %s ready (%s)", what, clusterType)}
	}
	s := step{typ: typ, reason: ReasonWaiting,
		message: fmt.Sprintf("waiting for Cluster API to report %s ready (condition %s of Cluster %s/%s)", what, clusterType, c.Namespace, c.Name)}
	if cond != nil {
		if cond.Reason != "" {
			s.reason = cond.Reason
		}
		if cond.Message != "" {
			s.message += ": " + cond.Message
		}
	}
	return s
}

// inventoryStep is InInventory: the cluster's member DeploymentManager exists and reaches it.
func inventoryStep(o observation) step {
	secret := o.req.Namespace + "/" + o.clusterName + "-kubeconfig"
	switch {
	case o.member == nil:
		return step{typ: ConditionInInventory, reason: ReasonWaiting,
			message: fmt.Sprintf("waiting for member cluster %s in the inventory (Cluster API's kubeconfig Secret %s registers it)", o.clusterName, secret)}
	case o.member.dm.Status.OperationalState != v1alpha1.OperationalStateEnabled:
		msg := fmt.Sprintf("member cluster %s is in the inventory (DeploymentManager %s) but not reachable yet", o.member.name, o.member.dm.Spec.DeploymentManagerID)
		if c := meta.FindStatusCondition(o.member.dm.Status.Conditions, v1alpha1.DeploymentManagerClusterReachable); c != nil && c.Message != "" {
			msg += ": " + c.Message
		}
		return step{typ: ConditionInInventory, reason: ReasonUnreachable, message: msg}
	default:
		return step{typ: ConditionInInventory, done: true, reason: ReasonDone,
			message: fmt.Sprintf("member cluster %s is in the inventory as DeploymentManager %s", o.member.name, o.member.dm.Spec.DeploymentManagerID)}
	}
}

// versionReached reports whether the Cluster runs its topology at version: spec.topology.version
// is it, Cluster API reports TopologyReconciled True for the Cluster's current generation, and
// the control plane and workers report no other version. Otherwise it says what is awaited.
func versionReached(c *clusterv1.Cluster, version string) (bool, string) {
	if c.Spec.Topology.Version != version {
		return false, fmt.Sprintf("setting version %s on Cluster %s/%s", version, c.Namespace, c.Name)
	}
	tr := meta.FindStatusCondition(c.Status.Conditions, clusterv1.ClusterTopologyReconciledCondition)
	if tr == nil || tr.Status != metav1.ConditionTrue || tr.ObservedGeneration < c.Generation {
		msg := fmt.Sprintf("waiting for Cluster API to reconcile the topology at %s (condition %s of Cluster %s/%s, generation %d)",
			version, clusterv1.ClusterTopologyReconciledCondition, c.Namespace, c.Name, c.Generation)
		if tr != nil && tr.Message != "" && tr.Status != metav1.ConditionTrue {
			msg += ": " + tr.Message
		}
		return false, msg
	}
	var other []string
	if c.Status.ControlPlane != nil {
		for _, v := range c.Status.ControlPlane.Versions {
			if v.Version != version {
				other = append(other, "control plane "+v.Version)
			}
		}
	}
	if c.Status.Workers != nil {
		for _, v := range c.Status.Workers.Versions {
			if v.Version != version {
				other = append(other, "workers "+v.Version)
			}
		}
	}
	if len(other) > 0 {
		slices.Sort(other)
		return false, fmt.Sprintf("waiting for the machines to run %s (still running: %s)", version, strings.Join(other, ", "))
	}
	return true, ""
}

// previouslyFulfilled reports whether the request was fulfilled before (or already
// upgrading), so a version not reached is an upgrade, not the first build.
func previouslyFulfilled(req *v1alpha1.ProvisioningRequest) bool {
	c := meta.FindStatusCondition(req.Status.Conditions, ConditionFulfilled)
	return c != nil && (c.Status == metav1.ConditionTrue || c.Reason == ReasonUpgrading)
}

// failingConditions are the Cluster conditions whose failure fails the request.
var failingConditions = []string{
	clusterv1.ClusterInfrastructureReadyCondition,
	clusterv1.ClusterControlPlaneInitializedCondition,
	clusterv1.ClusterControlPlaneAvailableCondition,
	clusterv1.ClusterWorkersAvailableCondition,
	clusterv1.ClusterTopologyReconciledCondition,
}

// clusterFailure reports whether Cluster API reports the Cluster failed, and the reason. Cluster
// API's v1beta2 Clusters have no terminal failure state: a condition False only says something
// is not there yet. A request fails on what says the build cannot go on by itself:
//   - status.phase Failed (kept by v1beta2 for clusters converted from v1beta1, whose
//     failureReason and failureMessage are in status.deprecated.v1beta1), or
//   - one of InfrastructureReady, ControlPlaneInitialized, ControlPlaneAvailable,
//     WorkersAvailable and TopologyReconciled False with a reason ending in "Failed" (Cluster
//     API's ReconcileFailed, providers' e.g. ProvisioningFailed), as opposed to the waiting
//     reasons (NotReady, NotAvailable, ClusterUpgrading, …).
//
// The request follows the Cluster: when the condition recovers, so does the request.
func clusterFailure(c *clusterv1.Cluster) (string, bool) {
	if cond := failedCondition(c.Status.Conditions, failingConditions); cond != nil {
		msg := fmt.Sprintf("Cluster API reports %s False on Cluster %s/%s, reason %s", cond.Type, c.Namespace, c.Name, cond.Reason)
		if cond.Message != "" {
			msg += ": " + cond.Message
		}
		return msg, true
	}
	//lint:ignore SA1019 a cluster converted from v1beta1 still reports it, and it is terminal
	if c.Status.Phase == string(clusterv1.ClusterPhaseFailed) {
		return fmt.Sprintf("Cluster API reports Cluster %s/%s Failed", c.Namespace, c.Name) + v1beta1Failure(c), true
	}
	return "", false
}

// failedCondition returns the first of the condition types (in their order) that is False
// with a reason ending in "Failed", nil when none is: the rule by which Clusters and Machines
// fail (clusterFailure).
func failedCondition(conds []metav1.Condition, types []string) *metav1.Condition {
	for _, typ := range types {
		cond := meta.FindStatusCondition(conds, typ)
		if cond != nil && cond.Status == metav1.ConditionFalse && strings.HasSuffix(cond.Reason, "Failed") {
			return cond
		}
	}
	return nil
}

// v1beta1Failure quotes the failureReason and failureMessage a cluster converted from v1beta1
// keeps, "" when it has none.
func v1beta1Failure(c *clusterv1.Cluster) string {
	d := c.Status.Deprecated
	if d == nil || d.V1Beta1 == nil {
		return ""
	}
	var msg string
	//lint:ignore SA1019 what v1beta1 reported is the only reason such a cluster gives
	if r := d.V1Beta1.FailureReason; r != nil {
		msg += ", reason " + string(*r)
	}
	//lint:ignore SA1019 as above
	if m := d.V1Beta1.FailureMessage; m != nil {
		msg += ": " + *m
	}
	return msg
}
