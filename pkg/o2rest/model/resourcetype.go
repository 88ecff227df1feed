package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

// ResourceTypeV1 is a ResourceType of spec 7. That schema may embed the alarmDictionary
// object; it is optional and we have no alarm dictionaries yet, so it is left out.
func ResourceTypeV1(rt *v1alpha1.ResourceType) map[string]any {
	return resourceType(rt, 9)
}

// ResourceTypeV2 is a ResourceType of spec 11, which links the alarm dictionary by
// alarmDictionaryId (optional, present when set).
func ResourceTypeV2(rt *v1alpha1.ResourceType) map[string]any {
	m := resourceType(rt, 10)
	if rt.Spec.AlarmDictionaryID != "" {
		m["alarmDictionaryId"] = rt.Spec.AlarmDictionaryID
	}
	return m
}

func resourceType(rt *v1alpha1.ResourceType, size int) map[string]any {
	s := &rt.Spec
	m := make(map[string]any, size)
	m["resourceTypeId"] = uuidOrNil(s.ResourceTypeID)
	m["name"] = s.Name
	m["description"] = s.Description
	m["vendor"] = s.Vendor
	m["model"] = s.Model
	m["version"] = s.Version
	// The API server defaults both enums; an object that skipped defaulting still has to
	// produce a valid enum value.
	m["resourceKind"] = orDefault(string(s.ResourceKind), string(v1alpha1.ResourceKindUndefined))
	m["resourceClass"] = orDefault(string(s.ResourceClass), string(v1alpha1.ResourceClassUndefined))
	m["extensions"] = extensionsObject(s.Extensions)
	return m
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
