package controller

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/klog/v2"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// maxInfrastructureResources bounds infrastructureResourceProvisioningStatus: the status
// validation admits no more entries, and a status it refuses would never be written.
const maxInfrastructureResources = 10000

// failingMachineConditions are the Machine conditions whose failure fails the Machine: those
// mirroring its infrastructure and bootstrap providers, which report a build that cannot go on
// (e.g. ProvisioningFailed) there.
var failingMachineConditions = []string{
	clusterv1.MachineInfrastructureReadyCondition,
	clusterv1.MachineBootstrapConfigReadyCondition,
}

// machinesOf returns the cached Machines of the Cluster namespace/cluster, sorted by name and
// at most maxInfrastructureResources of them.
func (r *reconciler) machinesOf(ctx context.Context, namespace, cluster string) ([]*clusterv1.Machine, error) {
	objs, err := r.machines.ByIndex(namespace, clusterapi.ClusterNameIndex, cluster)
	if err != nil {
		return nil, err
	}
	out := make([]*clusterv1.Machine, 0, len(objs))
	for _, obj := range objs {
		m, ok := obj.(*clusterv1.Machine)
		if !ok {
			return nil, fmt.Errorf("cached Machine of Cluster %s/%s is a %T", namespace, cluster, obj)
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *clusterv1.Machine) int { return strings.Compare(a.Name, b.Name) })
	if len(out) > maxInfrastructureResources {
		klog.FromContext(ctx).Info("Cluster has more Machines than the status holds; reporting the first by name",
			"cluster", cluster, "machines", len(out), "reported", maxInfrastructureResources)
		out = out[:maxInfrastructureResources]
	}
	return out, nil
}

// machineStatuses are the O2 ResourceProvisioningStatus of the Machines, in their order: each
// Machine's name; the O2 id of its Node's Resource once the member's inventory has one for the
// Node its nodeRef names, else its uid; its phase.
func machineStatuses(machines []*clusterv1.Machine, m *member) []v1alpha1.ResourceProvisioningStatus {
	if len(machines) == 0 {
		return nil
	}
	out := make([]v1alpha1.ResourceProvisioningStatus, 0, len(machines))
	for _, machine := range machines {
		id := string(machine.UID)
		if node := machine.Status.NodeRef.Name; node != "" && m != nil {
			if rid, ok := m.resourceBySource[kube.NodeSource(node)]; ok {
				id = rid
			}
		}
		out = append(out, v1alpha1.ResourceProvisioningStatus{ResourceName: machine.Name, ResourceID: id,
			ResourceProvisioningPhase: machinePhase(machine)})
	}
	return out
}

// machinePhase maps the Machine's status.phase to an O2 resource provisioning phase. A Machine
// being deleted is PROCESSING whatever its conditions say (its teardown is what is going on);
// otherwise a failing condition, judged as the Cluster's are, is FAILED: v1beta2 Cluster API
// reports a failure there, and sets the Failed phase only on Machines converted from v1beta1.
// Updating is an in-place change of a Machine that runs: still PROVISIONED.
func machinePhase(m *clusterv1.Machine) v1alpha1.ResourceProvisioningPhase {
	phase := clusterv1.MachinePhase(m.Status.Phase)
	if m.DeletionTimestamp != nil || phase == clusterv1.MachinePhaseDeleting || phase == clusterv1.MachinePhaseDeleted {
		return v1alpha1.ResourceProvisioningPhaseProcessing
	}
	//lint:ignore SA1019 v1beta2 controllers no longer set Failed, but a Machine converted from v1beta1 keeps it, and it is terminal
	if phase == clusterv1.MachinePhaseFailed || failedCondition(m.Status.Conditions, failingMachineConditions) != nil {
		return v1alpha1.ResourceProvisioningPhaseFailed
	}
	switch phase {
	case clusterv1.MachinePhaseProvisioned, clusterv1.MachinePhaseRunning, clusterv1.MachinePhaseUpdating:
		return v1alpha1.ResourceProvisioningPhaseProvisioned
	default:
		// Pending, Provisioning, Unknown, and none yet (a Machine Cluster API has not seen).
		return v1alpha1.ResourceProvisioningPhaseProcessing
	}
}
