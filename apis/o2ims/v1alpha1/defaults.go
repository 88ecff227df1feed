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

// SetDefaults_AlarmDictionarySpec reports a dictionary's alarms through O2-IMS unless it names
// other interfaces; the compliance suite expects ["O2IMS"].
func SetDefaults_AlarmDictionarySpec(obj *AlarmDictionarySpec) { //nolint:revive // name required by defaulter-gen
	if len(obj.ManagementInterfaceID) == 0 {
		obj.ManagementInterfaceID = []string{DefaultManagementInterface}
	}
}

// SetDefaults_AlarmServiceConfigurationSpec fills the retention period O2-IMS requires. Only an
// absent value is defaulted: an explicit 0 is an error, not a request for the default.
func SetDefaults_AlarmServiceConfigurationSpec(obj *AlarmServiceConfigurationSpec) { //nolint:revive // name required by defaulter-gen
	if obj.RetentionPeriod == nil {
		days := DefaultAlarmRetentionDays
		obj.RetentionPeriod = &days
	}
}
