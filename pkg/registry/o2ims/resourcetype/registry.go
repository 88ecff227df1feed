// Package resourcetype is the registry of ResourceType objects (resourcetypes.o2ims.oran.org).
package resourcetype

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes ResourceType to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    "resourcetypes",
		Singular:    "resourcetype",
		ShortNames:  []string{"rt"},
		Namespaced:  true,
		NewFunc:     func() runtime.Object { return &o2ims.ResourceType{} },
		NewListFunc: func() runtime.Object { return &o2ims.ResourceTypeList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.ResourceType).Spec.ResourceTypeID },
		IDPath:      field.NewPath("spec", "resourceTypeId"),
		NewID:       func() string { return string(uuid.NewUUID()) },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateResourceType(obj.(*o2ims.ResourceType))
		},
		KindName:               "ResourceType",
		ServerAssignsTenantIDs: true,
		// A type's alarm dictionary is of its namespace or the operator's.
		Refs: func(obj runtime.Object) []kind.Ref {
			return []kind.Ref{{Path: field.NewPath("spec", "alarmDictionaryId"), ID: obj.(*o2ims.ResourceType).Spec.AlarmDictionaryID,
				Resource: "alarmdictionaries", Kind: "AlarmDictionary"}}
		},
		Columns: []kind.Column{
			{Name: "O2 ID", Type: "string", Description: "O2 identifier (resourceTypeId)", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.ResourceType); return o.Spec.ResourceTypeID }},
			{Name: "Kind", Type: "string", Description: "PHYSICAL, LOGICAL or UNDEFINED", Priority: 0, Cell: func(obj runtime.Object) interface{} {
				o := obj.(*o2ims.ResourceType)
				return string(o.Spec.ResourceKind)
			}},
			{Name: "Class", Type: "string", Description: "COMPUTE, NETWORKING, STORAGE or UNDEFINED", Priority: 0, Cell: func(obj runtime.Object) interface{} {
				o := obj.(*o2ims.ResourceType)
				return string(o.Spec.ResourceClass)
			}},
			{Name: "Vendor", Type: "string", Description: "Provider of the resource", Priority: 1, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.ResourceType); return o.Spec.Vendor }},
			{Name: "Model", Type: "string", Description: "Model of the resource", Priority: 1, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.ResourceType); return o.Spec.Model }},
		},
	}
}

// NewREST returns the storage of resourcetypes and, when the kind has one, of its status, held to the
// tenant boundary t.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}
