package o2ims

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group of every O2-IMS object.
const GroupName = "o2ims.oran.org"

// SchemeGroupVersion is the internal version used to register these objects.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: runtime.APIVersionInternal}

// Kind takes an unqualified kind and returns a group-qualified GroupKind.
func Kind(kind string) schema.GroupKind {
	return SchemeGroupVersion.WithKind(kind).GroupKind()
}

// Resource takes an unqualified resource and returns a group-qualified GroupResource.
func Resource(resource string) schema.GroupResource {
	return SchemeGroupVersion.WithResource(resource).GroupResource()
}

var (
	// SchemeBuilder collects the functions that add the internal types to a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme adds the internal types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion,
		&OCloud{}, &OCloudList{},
		&ResourceType{}, &ResourceTypeList{},
		&ResourcePool{}, &ResourcePoolList{},
		&DeploymentManager{}, &DeploymentManagerList{},
		&Location{}, &LocationList{},
		&OCloudSite{}, &OCloudSiteList{},
		&InventorySubscription{}, &InventorySubscriptionList{},
		&AlarmDictionary{}, &AlarmDictionaryList{},
		&AlarmEventRecord{}, &AlarmEventRecordList{},
		&AlarmSubscription{}, &AlarmSubscriptionList{},
		&AlarmServiceConfiguration{}, &AlarmServiceConfigurationList{},
		&AlarmPurge{}, &AlarmPurgeList{},
		&ProvisioningRequest{}, &ProvisioningRequestList{},
		&ManagedInfrastructureTemplate{}, &ManagedInfrastructureTemplateList{},
		&ProvisioningRequestSubscription{}, &ProvisioningRequestSubscriptionList{},
	)
	// The Go type cannot be named Resource (see O2Resource); the kind can.
	scheme.AddKnownTypeWithName(SchemeGroupVersion.WithKind("Resource"), &O2Resource{})
	scheme.AddKnownTypeWithName(SchemeGroupVersion.WithKind("ResourceList"), &O2ResourceList{})
	return nil
}
