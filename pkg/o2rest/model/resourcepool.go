package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

// ResourcePoolV1 is a ResourcePool of spec 7: located by oCloudId, globalLocationId (both
// required, format uuid) and the free-text location.
//
// location is optional in the v1 schema, yet the O-RAN SC compliance suite's all_fields schema
// for a pool (it-test resourcePool_allfields_properties.json) requires it, so it is always
// there: "" when the O-Cloud detected none, the schema's type being string (null would fail
// both). It stays out of the default set (the schema does not require it), so only all_fields
// and fields=location show it.
func ResourcePoolV1(p *v1alpha1.ResourcePool) map[string]any {
	s := &p.Spec
	m := make(map[string]any, 7)
	m["resourcePoolId"] = uuidOrNil(s.ResourcePoolID)
	m["name"] = s.Name
	m["description"] = s.Description
	m["oCloudId"] = uuidOrNil(s.OCloudID)
	m["globalLocationId"] = uuidOrNil(s.GlobalLocationID)
	m["location"] = s.Location
	m["extensions"] = extensionsObject(s.Extensions)
	return m
}

// ResourcePoolV2 is a ResourcePool of spec 11: located by its O-Cloud site only (oCloudId,
// globalLocationId and location moved to OCloudSiteInfo and LocationInfo).
func ResourcePoolV2(p *v1alpha1.ResourcePool) map[string]any {
	s := &p.Spec
	return map[string]any{
		"resourcePoolId": uuidOrNil(s.ResourcePoolID),
		"name":           s.Name,
		"description":    s.Description,
		"oCloudSiteId":   uuidOrNil(s.OCloudSiteID),
		"extensions":     extensionsObject(s.Extensions),
	}
}
