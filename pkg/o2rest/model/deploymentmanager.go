package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

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
	m["extensions"] = extensionsObject(s.Extensions)
	return m
}
