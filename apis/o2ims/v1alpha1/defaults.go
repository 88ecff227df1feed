package v1alpha1

import "k8s.io/apimachinery/pkg/runtime"

func addDefaultingFuncs(scheme *runtime.Scheme) error {
	return RegisterDefaults(scheme)
}

// SetDefaults_ResourceTypeSpec fills the enums O2-IMS marks required with their neutral value.
func SetDefaults_ResourceTypeSpec(obj *ResourceTypeSpec) { //nolint:revive // name required by defaulter-gen
	if obj.ResourceKind == "" {
		obj.ResourceKind = ResourceKindUndefined
	}
	if obj.ResourceClass == "" {
		obj.ResourceClass = ResourceClassUndefined
	}
}
