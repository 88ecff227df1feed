// Package location is the registry of Location objects (locations.o2ims.oran.org).
package location

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes Location to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    "locations",
		Singular:    "location",
		ShortNames:  []string{"loc"},
		Namespaced:  true,
		NewFunc:     func() runtime.Object { return &o2ims.Location{} },
		NewListFunc: func() runtime.Object { return &o2ims.LocationList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.Location).Spec.GlobalLocationID },
		IDPath:      field.NewPath("spec", "globalLocationId"),
		NewID:       func() string { return string(uuid.NewUUID()) },
		Validate:    func(obj runtime.Object) field.ErrorList { return validation.ValidateLocation(obj.(*o2ims.Location)) },
		KindName:    "Location",
		// Outside the inventory namespace globalLocationId is assigned by the server too.
		ServerAssignsTenantIDs: true,
		Columns: []kind.Column{
			{Name: "Global Location ID", Type: "string", Description: "SMO's identifier of the location", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.Location); return o.Spec.GlobalLocationID }},
			{Name: "Address", Type: "string", Description: "Human readable address", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.Location); return o.Spec.Address }},
		},
	}
}

// NewREST returns the storage of locations and, when the kind has one, of its status, held to the
// tenant boundary t.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}
