package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

// FieldSelector says that a condition on an O2 attribute can be answered by a Kubernetes field
// selector on the stored object, instead of in memory.
type FieldSelector struct {
	// Attribute is the O2 attribute (top level, string typed).
	Attribute string
	// Field is the field selector key, one of v1alpha1.SelectableFields of the kind.
	Field string
	// Empty is what the attribute shows when the field is empty: "" (or absent) for plain
	// strings, NilUUID for required uuid attributes. A condition whose value is Empty must not
	// be pushed down, because the stored field may hold either "" or the value itself; evaluate
	// it in memory.
	Empty string
}

// FieldSelectors returns the push-down map of kind in the major version: every attribute whose
// value is a selectable field verbatim. It is nil when the kind does not exist in that version,
// and for the AlarmServiceConfiguration singleton, which has nothing to select by.
func FieldSelectors(kind Kind, version int) []FieldSelector {
	if !Supports(kind, version) {
		return nil
	}
	switch kind {
	case KindOCloudInfo:
		return []FieldSelector{{"oCloudId", "spec.oCloudId", NilUUID}}
	case KindResourceType:
		// resourceKind and resourceClass show UNDEFINED for an empty (undefaulted) field.
		return []FieldSelector{
			{"resourceTypeId", "spec.resourceTypeId", NilUUID},
			{"resourceKind", "spec.resourceKind", "UNDEFINED"},
			{"resourceClass", "spec.resourceClass", "UNDEFINED"},
		}
	case KindResourcePool:
		if version == Version1 {
			return []FieldSelector{
				{"resourcePoolId", "spec.resourcePoolId", NilUUID},
				{"globalLocationId", "spec.globalLocationId", NilUUID},
			}
		}
		return []FieldSelector{
			{"resourcePoolId", "spec.resourcePoolId", NilUUID},
			{"oCloudSiteId", "spec.oCloudSiteId", NilUUID},
		}
	case KindResource:
		// status.operationalState is selectable but is no O2 attribute.
		return []FieldSelector{
			{"resourceId", "spec.resourceId", NilUUID},
			{"resourcePoolId", "spec.resourcePoolId", NilUUID},
			{"resourceTypeId", "spec.resourceTypeId", NilUUID},
			{"globalAssetId", "spec.globalAssetId", ""},
		}
	case KindDeploymentManager:
		return []FieldSelector{{"deploymentManagerId", "spec.deploymentManagerId", NilUUID}}
	case KindSubscription:
		return []FieldSelector{
			{"subscriptionId", "spec.subscriptionId", ""},
			{"consumerSubscriptionId", "spec.consumerSubscriptionId", ""},
		}
	case KindLocationInfo:
		return []FieldSelector{{"globalLocationId", "spec.globalLocationId", ""}}
	case KindOCloudSiteInfo:
		return []FieldSelector{
			{"oCloudSiteId", "spec.oCloudSiteId", NilUUID},
			{"globalLocationId", "spec.globalLocationId", ""},
		}
	case KindAlarmDictionary:
		return []FieldSelector{{"alarmDictionaryId", "spec.alarmDictionaryId", NilUUID}}
	case KindAlarmEventRecord:
		if version == Version1 {
			return []FieldSelector{
				{"alarmEventRecordId", "spec.alarmEventRecordId", NilUUID},
				{"resourceID", "spec.objectId", NilUUID},
				{"alarmDefinitionID", "spec.alarmDefinitionId", NilUUID},
			}
		}
		return []FieldSelector{
			{"alarmEventRecordId", "spec.alarmEventRecordId", NilUUID},
			{"objectId", "spec.objectId", NilUUID},
			{"alarmDefinitionId", "spec.alarmDefinitionId", NilUUID},
		}
	case KindAlarmSubscription:
		return []FieldSelector{
			{"alarmSubscriptionId", "spec.alarmSubscriptionId", ""},
			{"consumerSubscriptionId", "spec.consumerSubscriptionId", ""},
		}
	case KindTaskOperation:
		// A task nobody has picked up yet has no state and shows PROCESSING.
		return []FieldSelector{
			{"id", "spec.taskId", NilUUID},
			{"operationState", "status.operationState", string(v1alpha1.PurgeOperationStateProcessing)},
		}
	}
	return nil
}
