package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

// ResourceV1 is a Resource of spec 7; the schema is the same in both versions.
func ResourceV1(r *v1alpha1.O2Resource) map[string]any { return resource(r) }

// ResourceV2 is a Resource of spec 11; the schema is the same in both versions.
func ResourceV2(r *v1alpha1.O2Resource) map[string]any { return resource(r) }

// resource maps the resource; elements, tags, groups and extensions are required, so they are
// always there, empty when unset.
func resource(r *v1alpha1.O2Resource) map[string]any {
	s := &r.Spec
	elements := make([]any, len(s.Elements))
	for i := range s.Elements {
		elements[i] = element(&s.Elements[i], s.ResourcePoolID)
	}
	return map[string]any{
		"resourceId":     uuidOrNil(s.ResourceID),
		"resourcePoolId": uuidOrNil(s.ResourcePoolID),
		"resourceTypeId": uuidOrNil(s.ResourceTypeID),
		"globalAssetId":  s.GlobalAssetID,
		"description":    s.Description,
		"elements":       elements,
		"tags":           stringList(s.Tags),
		"groups":         stringList(s.Groups),
		"extensions":     extensionsObject(s.Extensions),
	}
}

// element maps a component as the full Resource the schema nests. A component is part of its
// resource, so it is in the same pool; our elements have no elements of their own.
func element(e *v1alpha1.ResourceElement, poolID string) map[string]any {
	return map[string]any{
		"resourceId":     uuidOrNil(e.ResourceID),
		"resourcePoolId": uuidOrNil(poolID),
		"resourceTypeId": uuidOrNil(e.ResourceTypeID),
		"globalAssetId":  e.GlobalAssetID,
		"description":    e.Description,
		"elements":       []any{},
		"tags":           stringList(e.Tags),
		"groups":         stringList(e.Groups),
		"extensions":     extensionsObject(e.Extensions),
	}
}
