package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group of every O2-IMS object.
const GroupName = "o2ims.oran.org"

// SchemeGroupVersion is the group version used to register these objects.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1alpha1"}

// Resource takes an unqualified resource and returns a group-qualified GroupResource.
func Resource(resource string) schema.GroupResource {
	return SchemeGroupVersion.WithResource(resource).GroupResource()
}

var (
	// SchemeBuilder collects the functions that add this version to a scheme.
	SchemeBuilder      runtime.SchemeBuilder
	localSchemeBuilder = &SchemeBuilder
	// AddToScheme adds this version's types, defaulters and conversions to a scheme.
	AddToScheme = localSchemeBuilder.AddToScheme
)

func init() {
	// The generated defaulters and conversions register themselves through localSchemeBuilder,
	// so the hand-written part must be registered here, before them.
	localSchemeBuilder.Register(addKnownTypes, addDefaultingFuncs, addFieldLabelConversionFuncs)
}

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
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}
