package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

// FieldSelector says that a condition on an O2 attribute can be answered by a Kubernetes field
// selector on the stored object, instead of in memory.
type FieldSelector struct {
	// Attribute is the O2 attribute (string or integer typed): top level, or a path into
	// closed objects (provisioningRequestData/templateName).
	Attribute string
	// Field is the field selector key, one of v1alpha1.SelectableFields of the kind.
	Field string
	// Empty is what the attribute shows when the field is empty: "" (or absent) for plain
	// strings, NilUUID for required uuid attributes. A condition whose value is Empty must not
	// be pushed down, because the stored field may hold either "" or the value itself; evaluate
	// it in memory.
	Empty string
	// Integer marks an integer attribute: the field holds its decimal form, so only a value in
	// that canonical form ("2", not "02" or "+2", which equal 2 in memory) is pushed down.
	Integer bool
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
		return []FieldSelector{{Attribute: "oCloudId", Field: "spec.oCloudId", Empty: NilUUID}}
	case KindResourceType:
		// resourceKind and resourceClass show UNDEFINED for an empty (undefaulted) field.
		return []FieldSelector{
			{Attribute: "resourceTypeId", Field: "spec.resourceTypeId", Empty: NilUUID},
			{Attribute: "resourceKind", Field: "spec.resourceKind", Empty: "UNDEFINED"},
			{Attribute: "resourceClass", Field: "spec.resourceClass", Empty: "UNDEFINED"},
		}
	case KindResourcePool:
		if version == Version1 {
			return []FieldSelector{
				{Attribute: "resourcePoolId", Field: "spec.resourcePoolId", Empty: NilUUID},
				{Attribute: "globalLocationId", Field: "spec.globalLocationId", Empty: NilUUID},
			}
		}
		return []FieldSelector{
			{Attribute: "resourcePoolId", Field: "spec.resourcePoolId", Empty: NilUUID},
			{Attribute: "oCloudSiteId", Field: "spec.oCloudSiteId", Empty: NilUUID},
		}
	case KindResource:
		// status.operationalState is selectable but is no O2 attribute.
		return []FieldSelector{
			{Attribute: "resourceId", Field: "spec.resourceId", Empty: NilUUID},
			{Attribute: "resourcePoolId", Field: "spec.resourcePoolId", Empty: NilUUID},
			{Attribute: "resourceTypeId", Field: "spec.resourceTypeId", Empty: NilUUID},
			{Attribute: "globalAssetId", Field: "spec.globalAssetId", Empty: ""},
		}
	case KindDeploymentManager:
		return []FieldSelector{{Attribute: "deploymentManagerId", Field: "spec.deploymentManagerId", Empty: NilUUID}}
	case KindSubscription:
		return []FieldSelector{
			{Attribute: "subscriptionId", Field: "spec.subscriptionId", Empty: ""},
			{Attribute: "consumerSubscriptionId", Field: "spec.consumerSubscriptionId", Empty: ""},
		}
	case KindLocationInfo:
		return []FieldSelector{{Attribute: "globalLocationId", Field: "spec.globalLocationId", Empty: ""}}
	case KindOCloudSiteInfo:
		return []FieldSelector{
			{Attribute: "oCloudSiteId", Field: "spec.oCloudSiteId", Empty: NilUUID},
			{Attribute: "globalLocationId", Field: "spec.globalLocationId", Empty: ""},
		}
	case KindAlarmDictionary:
		return []FieldSelector{{Attribute: "alarmDictionaryId", Field: "spec.alarmDictionaryId", Empty: NilUUID}}
	case KindAlarmEventRecord:
		// Severity is the filter SMOs use most on alarms; 0 (CRITICAL) is a value like any
		// other, never an empty field.
		severity := FieldSelector{Attribute: "perceivedSeverity", Field: "status.perceivedSeverity", Integer: true}
		if version == Version1 {
			return []FieldSelector{
				{Attribute: "alarmEventRecordId", Field: "spec.alarmEventRecordId", Empty: NilUUID},
				{Attribute: "resourceID", Field: "spec.objectId", Empty: NilUUID},
				{Attribute: "alarmDefinitionID", Field: "spec.alarmDefinitionId", Empty: NilUUID},
				severity,
			}
		}
		return []FieldSelector{
			{Attribute: "alarmEventRecordId", Field: "spec.alarmEventRecordId", Empty: NilUUID},
			{Attribute: "objectId", Field: "spec.objectId", Empty: NilUUID},
			{Attribute: "alarmDefinitionId", Field: "spec.alarmDefinitionId", Empty: NilUUID},
			severity,
		}
	case KindAlarmSubscription:
		return []FieldSelector{
			{Attribute: "alarmSubscriptionId", Field: "spec.alarmSubscriptionId", Empty: ""},
			{Attribute: "consumerSubscriptionId", Field: "spec.consumerSubscriptionId", Empty: ""},
		}
	case KindProvisioningRequest:
		// Nested attributes: the filter names them with their path. The phase is not pushed
		// down: a request being deleted shows DELETING whatever its stored phase says.
		return []FieldSelector{
			{Attribute: "provisioningRequestData/provisioningRequestId", Field: "spec.provisioningRequestId", Empty: ""},
			{Attribute: "provisioningRequestData/templateName", Field: "spec.templateName", Empty: ""},
		}
	case KindManagedInfrastructureTemplate:
		return []FieldSelector{
			{Attribute: "artifactResourceId", Field: "spec.artifactResourceId", Empty: NilUUID},
			{Attribute: "name", Field: "spec.name", Empty: ""},
		}
	case KindProvisioningSubscription:
		return []FieldSelector{
			{Attribute: "subscriptionId", Field: "spec.subscriptionId", Empty: ""},
			{Attribute: "consumerSubscriptionId", Field: "spec.consumerSubscriptionId", Empty: ""},
		}
	case KindTaskOperation:
		// A task nobody has picked up yet has no state and shows PROCESSING.
		return []FieldSelector{
			{Attribute: "id", Field: "spec.taskId", Empty: NilUUID},
			{Attribute: "operationState", Field: "status.operationState", Empty: string(v1alpha1.PurgeOperationStateProcessing)},
		}
	}
	return nil
}
