package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

// AlarmDictionaryDoc is the common AlarmDictionary, the same in both inventory versions (both
// serve it under alarmDictionaries; v1 also embeds it in a ResourceType). Every attribute is
// required, so unset enums and lists show their defaults: managementInterfaceId ["O2IMS"],
// alarmChangeType ADDED, clearingType AUTOMATIC (the O-Cloud clears what it raised).
func AlarmDictionaryDoc(d *v1alpha1.AlarmDictionary) map[string]any {
	s := &d.Spec
	defs := make([]any, 0, len(s.AlarmDefinitions))
	for i := range s.AlarmDefinitions {
		defs = append(defs, alarmDefinition(&s.AlarmDefinitions[i]))
	}
	return map[string]any{
		"alarmDictionaryId":            uuidOrNil(s.AlarmDictionaryID),
		"alarmDictionaryVersion":       s.AlarmDictionaryVersion,
		"alarmDictionarySchemaVersion": s.AlarmDictionarySchemaVersion,
		"entityType":                   s.EntityType,
		"vendor":                       s.Vendor,
		"managementInterfaceId":        managementInterfaces(s.ManagementInterfaceID),
		"pkNotificationField":          stringList(s.PKNotificationField),
		"alarmDefinition":              defs,
	}
}

func alarmDefinition(d *v1alpha1.AlarmDefinition) map[string]any {
	m := map[string]any{
		"alarmDefinitionId":     uuidOrNil(d.AlarmDefinitionID),
		"alarmName":             d.AlarmName,
		"alarmLastChange":       d.AlarmLastChange,
		"alarmChangeType":       orDefault(string(d.AlarmChangeType), string(v1alpha1.AlarmChangeTypeAdded)),
		"alarmDescription":      d.AlarmDescription,
		"proposedRepairActions": d.ProposedRepairActions,
		"clearingType":          orDefault(string(d.ClearingType), string(v1alpha1.ClearingTypeAutomatic)),
		"managementInterfaceId": managementInterfaces(d.ManagementInterfaceID),
		"pkNotificationField":   stringList(d.PKNotificationField),
	}
	if len(d.AlarmAdditionalFields) > 0 {
		fields := make(map[string]any, len(d.AlarmAdditionalFields))
		for k, v := range d.AlarmAdditionalFields {
			fields[k] = v
		}
		m["alarmAdditionalFields"] = fields
	}
	return m
}

func managementInterfaces(ids []string) []any {
	if len(ids) == 0 {
		return []any{v1alpha1.DefaultManagementInterface}
	}
	return stringList(ids)
}
