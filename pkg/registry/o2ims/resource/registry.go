// Package resource is the registry of O2Resource objects (resources.o2ims.oran.org).
package resource

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes O2Resource to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    "resources",
		Singular:    "resource",
		ShortNames:  []string{"res"},
		Namespaced:  true,
		NewFunc:     func() runtime.Object { return &o2ims.O2Resource{} },
		NewListFunc: func() runtime.Object { return &o2ims.O2ResourceList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.O2Resource).Spec.ResourceID },
		IDPath:      field.NewPath("spec", "resourceId"),
		NewID:       func() string { return string(uuid.NewUUID()) },
		Validate:    func(obj runtime.Object) field.ErrorList { return validation.ValidateResource(obj.(*o2ims.O2Resource)) },
		KindName:    "Resource",
		// A Resource belongs to a pool and has a type of its namespace or the operator's.
		ServerAssignsTenantIDs: true,
		Refs: func(obj runtime.Object) []kind.Ref {
			o := obj.(*o2ims.O2Resource)
			spec := field.NewPath("spec")
			refs := []kind.Ref{
				{Path: spec.Child("resourcePoolId"), ID: o.Spec.ResourcePoolID, Resource: "resourcepools", Kind: "ResourcePool"},
				{Path: spec.Child("resourceTypeId"), ID: o.Spec.ResourceTypeID, Resource: "resourcetypes", Kind: "ResourceType"},
			}
			// An element's resourceId is the element's own identity (elements are nested, not
			// stored); its resourceTypeId names a stored type.
			for i, el := range o.Spec.Elements {
				refs = append(refs, kind.Ref{Path: spec.Child("elements").Index(i).Child("resourceTypeId"), ID: el.ResourceTypeID,
					Resource: "resourcetypes", Kind: "ResourceType"})
			}
			return refs
		},
		Status: &kind.StatusHandling{
			ValidateStatus: func(obj runtime.Object) field.ErrorList {
				return validation.ValidateResourceStatus(&obj.(*o2ims.O2Resource).Status)
			},
		},
		Columns: []kind.Column{
			{Name: "O2 ID", Type: "string", Description: "O2 identifier (resourceId)", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.O2Resource); return o.Spec.ResourceID }},
			{Name: "Pool", Type: "string", Description: "O2 identifier of the resource pool", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.O2Resource); return o.Spec.ResourcePoolID }},
			{Name: "Type", Type: "string", Description: "O2 identifier of the resource type", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.O2Resource); return o.Spec.ResourceTypeID }},
			{Name: "State", Type: "string", Description: "Operational state", Priority: 0, Cell: func(obj runtime.Object) interface{} {
				o := obj.(*o2ims.O2Resource)
				return string(o.Status.OperationalState)
			}},
			{Name: "Asset", Type: "string", Description: "Global asset id", Priority: 1, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.O2Resource); return o.Spec.GlobalAssetID }},
		},
	}
}

// NewREST returns the storage of resources and, when the kind has one, of its status, held to the
// tenant boundary t.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}
