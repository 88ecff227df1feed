package model

import (
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// DeploymentManagerV1 is a DeploymentManager of spec 7. Its schema types the values of
// capabilities and capacity as strings, while ours may be any JSON: strings pass through and
// other values are given as their JSON text (a capacity of 4 reads "4").
func DeploymentManagerV1(dm *v1alpha1.DeploymentManager) map[string]any {
	m := deploymentManager(dm)
	m["capabilities"] = stringValuesObject(dm.Spec.Capabilities)
	m["capacity"] = stringValuesObject(dm.Spec.Capacity)
	return m
}

// DeploymentManagerV2 is a DeploymentManager of spec 11, whose capabilities and capacity take
// any JSON values.
func DeploymentManagerV2(dm *v1alpha1.DeploymentManager) map[string]any {
	m := deploymentManager(dm)
	m["capabilities"] = extensionsObject(dm.Spec.Capabilities)
	m["capacity"] = extensionsObject(dm.Spec.Capacity)
	return m
}

// deploymentManager maps the attributes both versions share. Credentials that operators put in
// extensions (oran-o2ims' profileData) are shown as stored; callers apply Redact as their
// policy says (notifications always, the O2 face unless the caller may read credentials).
func deploymentManager(dm *v1alpha1.DeploymentManager) map[string]any {
	s := &dm.Spec
	m := make(map[string]any, 9)
	m["deploymentManagerId"] = uuidOrNil(s.DeploymentManagerID)
	m["name"] = s.Name
	m["description"] = s.Description
	m["oCloudId"] = uuidOrNil(s.OCloudID)
	m["serviceUri"] = s.ServiceURI
	m["supportedLocations"] = stringList(s.SupportedLocations)
	ext := extensionsObject(s.Extensions)
	putStatus(ext, &dm.Status)
	m["extensions"] = ext
	return m
}

// The extensions that carry a deployment manager's status. Neither schema (spec 7, spec 11)
// has an attribute for the state of a deployment manager, so it goes where oran-o2ims puts a
// resource's operationalState: extensions. The status is the inventory sync's, so it wins over
// an operator's extension of the same name.
const (
	// ExtensionOperationalState is status.operationalState: ENABLED, DISABLED or UNKNOWN.
	ExtensionOperationalState = "operationalState"
	// ExtensionConditions is status.conditions: [{type, status, reason, message,
	// lastTransitionTime}], e.g. ClusterReachable of a member cluster.
	ExtensionConditions = "conditions"
)

// putStatus adds st to ext; a manager without status (the local cluster's) adds nothing.
func putStatus(ext map[string]any, st *v1alpha1.DeploymentManagerStatus) {
	if st.OperationalState != "" {
		ext[ExtensionOperationalState] = string(st.OperationalState)
	}
	if len(st.Conditions) == 0 {
		return
	}
	conds := make([]any, 0, len(st.Conditions))
	for _, c := range st.Conditions {
		cond := map[string]any{"type": c.Type, "status": string(c.Status), "reason": c.Reason, "message": c.Message}
		if !c.LastTransitionTime.IsZero() {
			cond["lastTransitionTime"] = formatTime(c.LastTransitionTime.Time)
		}
		conds = append(conds, cond)
	}
	ext[ExtensionConditions] = conds
}
