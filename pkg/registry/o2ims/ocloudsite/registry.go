// Package ocloudsite is the registry of OCloudSite objects (ocloudsites.o2ims.oran.org).
package ocloudsite

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes OCloudSite to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    "ocloudsites",
		Singular:    "ocloudsite",
		ShortNames:  []string{"site"},
		Namespaced:  true,
		NewFunc:     func() runtime.Object { return &o2ims.OCloudSite{} },
		NewListFunc: func() runtime.Object { return &o2ims.OCloudSiteList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.OCloudSite).Spec.OCloudSiteID },
		IDPath:      field.NewPath("spec", "oCloudSiteId"),
		NewID:       func() string { return string(uuid.NewUUID()) },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateOCloudSite(obj.(*o2ims.OCloudSite))
		},
		KindName: "OCloudSite",
		// A site is at a Location of its namespace or the operator's.
		ServerAssignsTenantIDs: true,
		Refs: func(obj runtime.Object) []kind.Ref {
			o := obj.(*o2ims.OCloudSite)
			return []kind.Ref{{Path: field.NewPath("spec", "globalLocationId"), ID: o.Spec.GlobalLocationID, Resource: "locations", Kind: "Location"}}
		},
		Columns: []kind.Column{
			{Name: "O2 ID", Type: "string", Description: "O2 identifier (oCloudSiteId)", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.OCloudSite); return o.Spec.OCloudSiteID }},
			{Name: "Location", Type: "string", Description: "Global location id of the site", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.OCloudSite); return o.Spec.GlobalLocationID }},
		},
	}
}

// NewREST returns the storage of ocloudsites and, when the kind has one, of its status, held to the
// tenant boundary t.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}
