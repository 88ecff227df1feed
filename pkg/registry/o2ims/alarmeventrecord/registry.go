// Package alarmeventrecord is the registry of AlarmEventRecord objects
// (alarmeventrecords.o2ims.oran.org, `kubectl get alarms`).
package alarmeventrecord

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes AlarmEventRecord to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    "alarmeventrecords",
		Singular:    "alarmeventrecord",
		ShortNames:  []string{"alarm", "alarms"},
		Namespaced:  true,
		NewFunc:     func() runtime.Object { return &o2ims.AlarmEventRecord{} },
		NewListFunc: func() runtime.Object { return &o2ims.AlarmEventRecordList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.AlarmEventRecord).Spec.AlarmEventRecordID },
		IDPath:      field.NewPath("spec", "alarmEventRecordId"),
		NewID:       func() string { return string(uuid.NewUUID()) },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateAlarmEventRecord(obj.(*o2ims.AlarmEventRecord))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validation.ValidateAlarmEventRecordUpdate(obj.(*o2ims.AlarmEventRecord), old.(*o2ims.AlarmEventRecord))
		},
		KindName:               "AlarmEventRecord",
		ServerAssignsTenantIDs: true,
		Refs:                   refs,
		PrepareForCreate:       prepareForCreate,
		PrepareForUpdate:       prepareForUpdate,
		Status: &kind.StatusHandling{
			ValidateStatus: func(obj runtime.Object) field.ErrorList {
				return validation.ValidateAlarmEventRecordStatus(&obj.(*o2ims.AlarmEventRecord).Status)
			},
			// The recorder raises an alarm with its severity and times in one write.
			SetOnCreate:      true,
			PrepareForUpdate: keepAcknowledgement,
		},
		Columns: columns(),
	}
}

// objectResources maps an alarm's objectClass to the resource of the objects of that class;
// the O-Cloud is cluster-scoped and shared by every namespace, so not a reference.
var objectResources = map[string]struct{ resource, kind string }{
	"Resource":          {"resources", "Resource"},
	"ResourcePool":      {"resourcepools", "ResourcePool"},
	"DeploymentManager": {"deploymentmanagers", "DeploymentManager"},
}

// refs: an alarm is about an object (and of a type, and defined in a dictionary) of its
// namespace or the operator's, so no tenant files alarms against another tenant's objects or
// probes their ids. Definition and probable cause ids live inside the dictionary.
func refs(obj runtime.Object) []kind.Ref {
	o := obj.(*o2ims.AlarmEventRecord)
	spec := field.NewPath("spec")
	out := []kind.Ref{{Path: spec.Child("alarmDictionaryId"), ID: o.Spec.AlarmDictionaryID, Resource: "alarmdictionaries", Kind: "AlarmDictionary"}}
	if target, ok := objectResources[o.Spec.ObjectClass]; ok {
		out = append(out, kind.Ref{Path: spec.Child("objectId"), ID: o.Spec.ObjectID, Resource: target.resource, Kind: target.kind})
	}
	if o.Spec.ObjectClass == "Resource" {
		out = append(out, kind.Ref{Path: spec.Child("objectTypeId"), ID: o.Spec.ObjectTypeID, Resource: "resourcetypes", Kind: "ResourceType"})
	}
	return out
}

// NewREST returns the storage of alarmeventrecords and of their status, held to the tenant
// boundary t.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}
