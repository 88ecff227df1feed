package kube

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// NodeSource is the source key of a node's Resource.
func NodeSource(name string) string { return sourceNode + "/" + name }

// NodeResourceID is the O2 id of a node's Resource.
func NodeResourceID(ids inventory.IDs, node *corev1.Node) string {
	return ids.Of(sourceNode, string(node.UID))
}

// NodeResource maps a Node to its Resource in pool, of the node kind typeID.
func NodeResource(ids inventory.IDs, node *corev1.Node, pool PoolRef, typeID string) *v1alpha1.O2Resource {
	info := node.Status.NodeInfo
	addresses := make([]map[string]string, 0, len(node.Status.Addresses))
	for _, a := range node.Status.Addresses {
		addresses = append(addresses, map[string]string{"type": string(a.Type), "address": a.Address})
	}
	ext := map[string]any{
		"nodeName":    node.Name,
		"capacity":    quantities(node.Status.Capacity),
		"allocatable": quantities(node.Status.Allocatable),
		"addresses":   addresses,
	}
	for k, v := range map[string]string{
		"architecture":            nodeArch(node),
		"operatingSystem":         info.OperatingSystem,
		"osImage":                 info.OSImage,
		"kernelVersion":           info.KernelVersion,
		"kubeletVersion":          info.KubeletVersion,
		"containerRuntimeVersion": info.ContainerRuntimeVersion,
		"providerID":              node.Spec.ProviderID,
		"zone":                    nodeZone(node),
		"region":                  nodeRegion(node),
		"instanceType":            nodeInstanceType(node),
	} {
		if v != "" {
			ext[k] = v
		}
	}
	r := &v1alpha1.O2Resource{
		ObjectMeta: inventory.ManagedMeta(pool.Namespace, node.Name, NodeSource(node.Name)),
		Spec: v1alpha1.ResourceSpec{
			ResourceID:     NodeResourceID(ids, node),
			ResourcePoolID: pool.ID,
			ResourceTypeID: typeID,
			GlobalAssetID:  globalAssetID(node),
			Description:    nodeDescription(node),
			Tags:           nodeTags(node),
			Groups:         nodeGroups(node),
			Extensions:     extensions(ext),
		},
		Status: NodeStatus(node),
	}
	return r
}

// globalAssetID is the machine's own identity: the system UUID, else the provider id.
// Kubernetes bounds neither, the API bounds globalAssetId: one that does not fit is passed over
// rather than cut, since an id cut short could name another asset.
func globalAssetID(node *corev1.Node) string {
	for _, id := range []string{node.Status.NodeInfo.SystemUUID, node.Spec.ProviderID} {
		if id != "" && len(id) <= validation.MaxIDLength {
			return id
		}
	}
	return ""
}

func nodeDescription(node *corev1.Node) string {
	var parts []string
	for _, p := range []string{nodeInstanceType(node), nodeArch(node), node.Status.NodeInfo.OSImage} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "Kubernetes node " + node.Name
	}
	// The OS image is whatever the kubelet reports, unbounded; the API bounds descriptions.
	return validation.Truncate(fmt.Sprintf("Kubernetes node %s (%s)", node.Name, strings.Join(parts, ", ")), validation.MaxDescriptionLength)
}

// nodeTags are the node's labels as "key=value" (or "key" for an empty value), sorted, so SMOs
// can filter with (cont,tags,…). A Resource takes at most validation.MaxKeywords tags of at most
// validation.MaxKeywordLength bytes: a label that would make a longer tag is left out, and so
// are the labels after the first MaxKeywords in key order. A node with more labels (Node
// Feature Discovery, KubeVirt) is then in the inventory with most of them, instead of a
// Resource the API refuses for ever.
func nodeTags(node *corev1.Node) []string {
	if len(node.Labels) == 0 {
		return nil
	}
	tags := make([]string, 0, min(len(node.Labels), validation.MaxKeywords))
	for _, k := range sortedKeys(node.Labels) {
		tag := k
		if v := node.Labels[k]; v != "" {
			tag = k + "=" + v
		}
		if len(tag) > validation.MaxKeywordLength {
			continue
		}
		if len(tags) == validation.MaxKeywords {
			break
		}
		tags = append(tags, tag)
	}
	return tags
}

// nodeGroups are the node's roles (node-role.kubernetes.io/<role>), sorted: the first
// validation.MaxKeywords of them, like the tags, so that a node with more roles is in the
// inventory instead of a Resource the API refuses for ever.
func nodeGroups(node *corev1.Node) []string {
	var groups []string
	for k := range node.Labels {
		if role, ok := strings.CutPrefix(k, nodeRolePrefix); ok && role != "" {
			groups = append(groups, role)
		}
	}
	sort.Strings(groups)
	return groups[:min(len(groups), validation.MaxKeywords)]
}

// NodeStatus maps cordoning and node conditions to the X.731 states of a Resource:
// adminState LOCKED when cordoned (SHUTTINGDOWN while the node is being deleted), operational
// state from Ready, usageState BUSY under memory, disk or PID pressure and UNKNOWN otherwise
// (knowing IDLE from ACTIVE would take watching every pod), powerState UNKNOWN because the
// Kubernetes API does not say.
func NodeStatus(node *corev1.Node) v1alpha1.ResourceStatus {
	s := v1alpha1.ResourceStatus{
		AdminState:       v1alpha1.AdminStateUnlocked,
		OperationalState: v1alpha1.OperationalStateUnknown,
		UsageState:       v1alpha1.UsageStateUnknown,
		PowerState:       v1alpha1.PowerStateUnknown,
	}
	switch {
	case node.DeletionTimestamp != nil:
		s.AdminState = v1alpha1.AdminStateShuttingDown
	case node.Spec.Unschedulable:
		s.AdminState = v1alpha1.AdminStateLocked
	}
	seen := map[string]bool{}
	for _, c := range node.Status.Conditions {
		if c.Type == "" || seen[string(c.Type)] {
			continue
		}
		seen[string(c.Type)] = true
		switch {
		case c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue:
			s.OperationalState = v1alpha1.OperationalStateEnabled
		case c.Type == corev1.NodeReady && c.Status == corev1.ConditionFalse:
			s.OperationalState = v1alpha1.OperationalStateDisabled
		case isPressure(c.Type) && c.Status == corev1.ConditionTrue:
			s.UsageState = v1alpha1.UsageStateBusy
		}
		reason := c.Reason
		if reason == "" {
			reason = "Unknown"
		}
		s.Conditions = append(s.Conditions, metav1.Condition{
			Type:               string(c.Type),
			Status:             conditionStatus(c.Status),
			LastTransitionTime: c.LastTransitionTime,
			Reason:             reason,
			Message:            c.Message,
		})
	}
	sort.Slice(s.Conditions, func(i, j int) bool { return s.Conditions[i].Type < s.Conditions[j].Type })
	return s
}

func isPressure(t corev1.NodeConditionType) bool {
	return t == corev1.NodeMemoryPressure || t == corev1.NodeDiskPressure || t == corev1.NodePIDPressure
}

func conditionStatus(s corev1.ConditionStatus) metav1.ConditionStatus {
	switch s {
	case corev1.ConditionTrue:
		return metav1.ConditionTrue
	case corev1.ConditionFalse:
		return metav1.ConditionFalse
	default:
		return metav1.ConditionUnknown
	}
}

func nodeZone(node *corev1.Node) string {
	return firstLabel(node.Labels, zoneLabel, zoneLabelBeta)
}

func nodeRegion(node *corev1.Node) string {
	return firstLabel(node.Labels, regionLabel, regionLabelBeta)
}

func nodeInstanceType(node *corev1.Node) string {
	return firstLabel(node.Labels, instanceTypeLabel, instanceTypeBeta)
}

func nodeArch(node *corev1.Node) string {
	if a := node.Labels[archLabel]; a != "" {
		return a
	}
	return node.Status.NodeInfo.Architecture
}
