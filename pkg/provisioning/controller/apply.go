package controller

import (
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// statusOf returns the request's status for the observation at now, and whether it differs
// from the stored one. updateTime changes only with the rest; conditions keep their
// lastTransitionTime while their status does not change.
func statusOf(o observation, now time.Time) (v1alpha1.ProvisioningRequestStatus, bool) {
	old := o.req.Status
	st := *old.DeepCopy()
	phase, message, steps := deriveStatus(o)
	// Messages quote Cluster API's (conditions of the Cluster and its Machines, whatever a
	// provider wrote): bounded, so that the status is always writable.
	bound := func(s string) string { return validation.Truncate(s, validation.MaxMessageLength) }
	st.ProvisioningPhase, st.Message = phase, bound(message)
	st.ObservedGeneration = o.req.Generation
	st.ClusterRef = &v1alpha1.ClusterReference{Namespace: o.req.Namespace, Name: o.clusterName}
	t := metav1.NewTime(now)
	for _, s := range steps {
		status := metav1.ConditionFalse
		if s.done {
			status = metav1.ConditionTrue
		}
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: s.typ, Status: status, Reason: s.reason,
			Message: bound(s.message), ObservedGeneration: o.req.Generation, LastTransitionTime: t})
	}
	if o.blocked != "" && phase != v1alpha1.ProvisioningPhaseDeleting {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: ConditionFulfilled, Status: metav1.ConditionFalse,
			Reason: o.blockedReason, Message: bound(o.blocked), ObservedGeneration: o.req.Generation, LastTransitionTime: t})
	}
	if o.cluster == nil {
		// The request has no Cluster (gone, or not its own): what earlier passes said of its
		// Cluster's infrastructure, control plane, workers and member was said of one that is
		// not there, and would read as a ready cluster beside a FAILED or DELETING phase.
		for _, typ := range []string{ConditionInfrastructureReady, ConditionControlPlaneReady, ConditionWorkersReady, ConditionInInventory} {
			meta.RemoveStatusCondition(&st.Conditions, typ)
		}
	}
	st.NodeClusterProvisioningStatus = nodeClusterStatus(o, phase)
	st.InfrastructureResourceProvisioningStatus = machineStatuses(o.machines, o.member)
	if o.member != nil {
		st.ProvisionedResourceSet = &v1alpha1.ProvisionedResourceSet{
			NodeClusterID: o.member.dm.Spec.DeploymentManagerID, InfrastructureResourceIDs: o.member.resourceIDs}
	} else if phase != v1alpha1.ProvisioningPhaseDeleting {
		st.ProvisionedResourceSet = nil
	}
	cmpOld, cmpNew := old, st
	cmpOld.UpdateTime, cmpNew.UpdateTime = nil, nil
	if equality.Semantic.DeepEqual(cmpOld, cmpNew) {
		return old, false
	}
	st.UpdateTime = &t
	return st, true
}

// nodeClusterStatus is the O2 ResourceProvisioningStatus of the cluster: its O2 id once it is
// in the inventory (its DeploymentManager's), else the Cluster's uid. Without a Cluster it is
// the last one reported while the request is being deleted (its Cluster is gone), and none
// otherwise: a Cluster that went away is not a provisioned node cluster any more.
func nodeClusterStatus(o observation, phase v1alpha1.ProvisioningPhase) *v1alpha1.ResourceProvisioningStatus {
	if o.cluster == nil {
		if phase == v1alpha1.ProvisioningPhaseDeleting {
			return o.req.Status.NodeClusterProvisioningStatus
		}
		return nil
	}
	s := &v1alpha1.ResourceProvisioningStatus{ResourceName: o.cluster.Name, ResourceID: string(o.cluster.UID),
		ResourceProvisioningPhase: v1alpha1.ResourceProvisioningPhaseProcessing}
	if o.member != nil {
		s.ResourceID = o.member.dm.Spec.DeploymentManagerID
	}
	switch phase {
	case v1alpha1.ProvisioningPhaseFulfilled:
		s.ResourceProvisioningPhase = v1alpha1.ResourceProvisioningPhaseProvisioned
	case v1alpha1.ProvisioningPhaseFailed:
		s.ResourceProvisioningPhase = v1alpha1.ResourceProvisioningPhaseFailed
	}
	return s
}
