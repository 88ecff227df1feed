package v1alpha1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
)

// SelectableFields lists, per kind, the fields a field selector may name besides metadata.name
// and metadata.namespace: the O2 ids and the references SMOs filter on most. The registry
// builds its field sets from the same list.
var SelectableFields = map[string][]string{
	"OCloud":                {"spec.oCloudId"},
	"ResourceType":          {"spec.resourceTypeId", "spec.resourceKind", "spec.resourceClass"},
	"ResourcePool":          {"spec.resourcePoolId", "spec.oCloudSiteId", "spec.globalLocationId"},
	"Resource":              {"spec.resourceId", "spec.resourcePoolId", "spec.resourceTypeId", "spec.globalAssetId", "status.operationalState"},
	"DeploymentManager":     {"spec.deploymentManagerId"},
	"Location":              {"spec.globalLocationId"},
	"OCloudSite":            {"spec.oCloudSiteId", "spec.globalLocationId"},
	"InventorySubscription": {"spec.subscriptionId", "spec.consumerSubscriptionId"},
}

func addFieldLabelConversionFuncs(scheme *runtime.Scheme) error {
	for kind, fields := range SelectableFields {
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
