package v1alpha1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
)

// selectableKinds are the kinds with field selectors, in a fixed order.
func selectableKinds() []string {
	return []string{"OCloud", "ResourceType", "ResourcePool", "Resource", "DeploymentManager", "Location", "OCloudSite", "InventorySubscription",
		"AlarmDictionary", "AlarmEventRecord", "AlarmSubscription", "AlarmServiceConfiguration", "AlarmPurge",
		"ProvisioningRequest", "ManagedInfrastructureTemplate", "ProvisioningRequestSubscription"}
}

// SelectableFieldsOf lists the fields a field selector may name for kind besides
// metadata.name and metadata.namespace: first the O2 id (a kind without one, the
// AlarmServiceConfiguration singleton, has none), then the references SMOs filter on
// most. The registry's field sets and the O2 face's indexes are built from this one list.
func SelectableFieldsOf(kind string) []string {
	switch kind {
	case "OCloud":
		return []string{"spec.oCloudId"}
	case "ResourceType":
		return []string{"spec.resourceTypeId", "spec.resourceKind", "spec.resourceClass"}
	case "ResourcePool":
		return []string{"spec.resourcePoolId", "spec.oCloudSiteId", "spec.globalLocationId"}
	case "Resource":
		return []string{"spec.resourceId", "spec.resourcePoolId", "spec.resourceTypeId", "spec.globalAssetId", "status.operationalState"}
	case "DeploymentManager":
		return []string{"spec.deploymentManagerId"}
	case "Location":
		return []string{"spec.globalLocationId"}
	case "OCloudSite":
		return []string{"spec.oCloudSiteId", "spec.globalLocationId"}
	case "InventorySubscription":
		return []string{"spec.subscriptionId", "spec.consumerSubscriptionId"}
	case "AlarmDictionary":
		return []string{"spec.alarmDictionaryId", "spec.resourceTypeId"}
	case "AlarmEventRecord":
		return []string{"spec.alarmEventRecordId", "spec.objectId", "spec.alarmDefinitionId", "spec.source.name",
			"status.perceivedSeverity", "status.alarmAcknowledged"}
	case "AlarmSubscription":
		return []string{"spec.alarmSubscriptionId", "spec.consumerSubscriptionId"}
	case "AlarmPurge":
		return []string{"spec.taskId", "status.operationState"}
	case "ProvisioningRequest":
		return []string{"spec.provisioningRequestId", "spec.templateName", "status.provisioningPhase"}
	case "ManagedInfrastructureTemplate":
		return []string{"spec.artifactResourceId", "spec.name"}
	case "ProvisioningRequestSubscription":
		return []string{"spec.subscriptionId", "spec.consumerSubscriptionId"}
	}
	return nil
}

func addFieldLabelConversionFuncs(scheme *runtime.Scheme) error {
	for _, kind := range selectableKinds() {
		fields := SelectableFieldsOf(kind)
		allowed := map[string]bool{"metadata.name": true, "metadata.namespace": true}
		for _, f := range fields {
			allowed[f] = true
		}
		err := scheme.AddFieldLabelConversionFunc(SchemeGroupVersion.WithKind(kind), func(label, value string) (string, string, error) {
			if !allowed[label] {
				return "", "", fmt.Errorf("field label not supported: %s", label)
			}
			return label, value, nil
		})
		if err != nil {
			return fmt.Errorf("add field label conversion for %s: %w", kind, err)
		}
	}
	return nil
}
