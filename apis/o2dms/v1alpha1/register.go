package v1alpha1

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group of every O2-DMS object.
const GroupName = "o2dms.oran.org"

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
	localSchemeBuilder.Register(addKnownTypes, addFieldLabelConversionFuncs)
}

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion,
		&NfDeploymentDescriptor{}, &NfDeploymentDescriptorList{},
		&NfDeployment{}, &NfDeploymentList{},
		&NfDeploymentSubscription{}, &NfDeploymentSubscriptionList{},
	)
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}

// SelectableFieldsOf lists the fields a field selector may name for kind besides
// metadata.name and metadata.namespace. The registry's field sets are built from this list.
func SelectableFieldsOf(kind string) []string {
	switch kind {
	case "NfDeployment":
		return []string{"spec.deploymentManagerId", "spec.descriptorRef.name", "status.phase"}
	case "NfDeploymentDescriptor":
		return []string{"spec.version"}
	}
	return nil
}

func addFieldLabelConversionFuncs(scheme *runtime.Scheme) error {
	for _, kind := range []string{"NfDeploymentDescriptor", "NfDeployment", "NfDeploymentSubscription"} {
		allowed := map[string]bool{"metadata.name": true, "metadata.namespace": true}
		for _, f := range SelectableFieldsOf(kind) {
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
