// Package alarmdictionary is the registry of AlarmDictionary objects (alarmdictionaries.o2ims.oran.org).
package alarmdictionary

import (
	"context"

	"github.com/google/uuid"
	"k8s.io/apimachinery/pkg/runtime"
	k8suuid "k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes AlarmDictionary to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    "alarmdictionaries",
		Singular:    "alarmdictionary",
		ShortNames:  []string{"adict"},
		Namespaced:  true,
		NewFunc:     func() runtime.Object { return &o2ims.AlarmDictionary{} },
		NewListFunc: func() runtime.Object { return &o2ims.AlarmDictionaryList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.AlarmDictionary).Spec.AlarmDictionaryID },
		IDPath:      field.NewPath("spec", "alarmDictionaryId"),
		NewID:       func() string { return string(k8suuid.NewUUID()) },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateAlarmDictionary(obj.(*o2ims.AlarmDictionary))
		},
		KindName:               "AlarmDictionary",
		ServerAssignsTenantIDs: true,
		// A dictionary belongs to a resource type of its namespace or the operator's.
		Refs: func(obj runtime.Object) []kind.Ref {
			return []kind.Ref{{Path: field.NewPath("spec", "resourceTypeId"), ID: obj.(*o2ims.AlarmDictionary).Spec.ResourceTypeID,
				Resource: "resourcetypes", Kind: "ResourceType"}}
		},
		PrepareForCreate: func(_ context.Context, obj runtime.Object) { deriveIDs(obj.(*o2ims.AlarmDictionary)) },
		PrepareForUpdate: func(_ context.Context, obj, _ runtime.Object) { deriveIDs(obj.(*o2ims.AlarmDictionary)) },
		Columns: []kind.Column{
			{Name: "O2 ID", Type: "string", Description: "O2 identifier (alarmDictionaryId)", Cell: func(obj runtime.Object) interface{} {
				return obj.(*o2ims.AlarmDictionary).Spec.AlarmDictionaryID
			}},
			{Name: "Resource Type", Type: "string", Description: "O2 identifier of the resource type; empty for the O-Cloud's own dictionary", Cell: func(obj runtime.Object) interface{} {
				return obj.(*o2ims.AlarmDictionary).Spec.ResourceTypeID
			}},
			{Name: "Version", Type: "string", Description: "alarmDictionaryVersion", Cell: func(obj runtime.Object) interface{} {
				return obj.(*o2ims.AlarmDictionary).Spec.AlarmDictionaryVersion
			}},
			{Name: "Definitions", Type: "integer", Description: "number of alarm definitions", Cell: func(obj runtime.Object) interface{} {
				return int64(len(obj.(*o2ims.AlarmDictionary).Spec.AlarmDefinitions))
			}},
			{Name: "Vendor", Type: "string", Description: "provider of the entity", Priority: 1, Cell: func(obj runtime.Object) interface{} {
				return obj.(*o2ims.AlarmDictionary).Spec.Vendor
			}},
		},
	}
}

// deriveIDs gives definitions and probable causes that have no id one derived from the
// dictionary's id and their name (UUIDv5), so re-applying the same dictionary keeps the ids
// that alarms and SMOs refer to. Ids that are not UUIDs are left for validation to refuse.
func deriveIDs(d *o2ims.AlarmDictionary) {
	space, err := uuid.Parse(d.Spec.AlarmDictionaryID)
	if err != nil {
		return
	}
	for i := range d.Spec.AlarmDefinitions {
		if def := &d.Spec.AlarmDefinitions[i]; def.AlarmDefinitionID == "" && def.AlarmName != "" {
			def.AlarmDefinitionID = v1alpha1.DerivedDefinitionID(space, def.AlarmName)
		}
	}
	for i := range d.Spec.ProbableCauses {
		if pc := &d.Spec.ProbableCauses[i]; pc.ProbableCauseID == "" && pc.ProbableCauseCode != "" {
			pc.ProbableCauseID = v1alpha1.DerivedProbableCauseID(space, pc.ProbableCauseCode)
		}
	}
}

// NewREST returns the storage of alarmdictionaries, held to the tenant boundary t.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}
