package nodes

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/standard"
)

// conditionAlarm is how one node condition maps to the standard O-Cloud Node alarms.
type conditionAlarm struct {
	condition corev1.NodeConditionType
	// faulty is the condition status that means the fault is present.
	faulty   func(corev1.ConditionStatus) bool
	severity alarms.Severity
	cause    string
}

// conditionAlarms are the conditions watched. Clause 4 names the causes but leaves their
// mapping to Kubernetes open; the choices:
//   - Ready False or Unknown: the kubelet says the node cannot run pods, or stopped reporting
//     (the node controller sets Unknown): NODE_DOWN, "down/not available", CRITICAL.
//   - MemoryPressure: the spec has no memory-shortage cause; MEMORY_STATE ("change of state on
//     the memory resource") is the nearest. MAJOR: pods are evicted, the node still runs.
//   - DiskPressure: STORAGE_CAPACITY ("capacity (such as shortage)"), MAJOR as above.
//   - PIDPressure: running out of process ids is a host OS resource failing, HOST_OS_ERROR;
//     MAJOR as above.
//   - NetworkUnavailable: the node's network is not configured (routes, CNI), so its pods
//     cannot communicate: NIC_CONFIGURATION, CRITICAL since the node is not fully operational.
//
// The pressure and network conditions count only when True: the node controller sets them
// Unknown together with Ready when the node stops reporting, and NODE_DOWN covers that.
func conditionAlarms() []conditionAlarm {
	isTrue := func(s corev1.ConditionStatus) bool { return s == corev1.ConditionTrue }
	return []conditionAlarm{
		{corev1.NodeReady, func(s corev1.ConditionStatus) bool { return s != corev1.ConditionTrue }, alarms.SeverityCritical, standard.NodeDown},
		{corev1.NodeMemoryPressure, isTrue, alarms.SeverityMajor, standard.MemoryState},
		{corev1.NodeDiskPressure, isTrue, alarms.SeverityMajor, standard.StorageCapacity},
		{corev1.NodePIDPressure, isTrue, alarms.SeverityMajor, standard.HostOSError},
		{corev1.NodeNetworkUnavailable, isTrue, alarms.SeverityCritical, standard.NICConfiguration},
	}
}

// key is the Observation.Key of a node's condition.
func key(uid types.UID, condition corev1.NodeConditionType) string {
	return string(uid) + "/" + string(condition)
}

// observations states each watched condition of node, the Resource obj, as a fault present or
// not. A watched condition the node does not report is a fault that is not present (clusters
// without a cloud route controller never set NetworkUnavailable); its end is now.
func observations(node *corev1.Node, obj alarms.ObjectRef, now time.Time) []alarms.Observation {
	var out []alarms.Observation
	for _, ca := range conditionAlarms() {
		o := alarms.Observation{
			Source:        Name,
			Key:           key(node.UID, ca.condition),
			Object:        obj,
			Definition:    standard.DefinitionName(standard.Node, ca.severity),
			ProbableCause: ca.cause,
			Severity:      ca.severity,
			Since:         now,
			Text:          fmt.Sprintf("Node %s reports no %s condition", node.Name, ca.condition),
			Extensions:    map[string]string{"nodeName": node.Name, "condition": string(ca.condition)},
		}
		if c := condition(node, ca.condition); c != nil {
			o.Active = ca.faulty(c.Status)
			o.Since = c.LastTransitionTime.Time
			o.Text = c.Reason + ": " + c.Message
			o.Extensions["status"] = string(c.Status)
			o.Extensions["reason"] = c.Reason
		}
		out = append(out, o)
	}
	return out
}

// cleared states every watched condition of the node uid, the Resource obj, gone at now: the
// node was deleted or replaced.
func cleared(uid types.UID, name string, obj alarms.ObjectRef, now time.Time) []alarms.Observation {
	var out []alarms.Observation
	for _, ca := range conditionAlarms() {
		out = append(out, alarms.Observation{
			Source:        Name,
			Key:           key(uid, ca.condition),
			Object:        obj,
			Definition:    standard.DefinitionName(standard.Node, ca.severity),
			ProbableCause: ca.cause,
			Severity:      ca.severity,
			Since:         now,
			Text:          fmt.Sprintf("Node %s was deleted", name),
			Extensions:    map[string]string{"nodeName": name, "condition": string(ca.condition)},
		})
	}
	return out
}

// condition is node's condition of type t, nil when it reports none.
func condition(node *corev1.Node, t corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == t {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}

// conditionsChanged reports whether an update changed a condition other than in its heartbeat.
// Status heartbeats alone are not reported again.
func conditionsChanged(old, cur *corev1.Node) bool {
	if len(old.Status.Conditions) != len(cur.Status.Conditions) {
		return true
	}
	for i, c := range cur.Status.Conditions {
		o := old.Status.Conditions[i]
		if o.Type != c.Type || o.Status != c.Status || o.Reason != c.Reason || o.Message != c.Message ||
			!o.LastTransitionTime.Equal(&c.LastTransitionTime) {
			return true
		}
	}
	return false
}
