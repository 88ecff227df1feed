// Package resourcepool is the registry of ResourcePool objects (resourcepools.o2ims.oran.org).
package resourcepool

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes ResourcePool to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    "resourcepools",
		Singular:    "resourcepool",
		ShortNames:  []string{"rp", "pool"},
		Namespaced:  true,
		NewFunc:     func() runtime.Object { return &o2ims.ResourcePool{} },
		NewListFunc: func() runtime.Object { return &o2ims.ResourcePoolList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.ResourcePool).Spec.ResourcePoolID },
		IDPath:      field.NewPath("spec", "resourcePoolId"),
		NewID:       func() string { return string(uuid.NewUUID()) },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateResourcePool(obj.(*o2ims.ResourcePool))
		},
		KindName: "ResourcePool",
		Status: &kind.StatusHandling{
			ValidateStatus: func(obj runtime.Object) field.ErrorList {
				return validation.ValidateResourcePoolStatus(&obj.(*o2ims.ResourcePool).Status)
			},
		},
		Columns: []kind.Column{
			{Name: "O2 ID", Type: "string", Description: "O2 identifier (resourcePoolId)", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.ResourcePool); return o.Spec.ResourcePoolID }},
			{Name: "Site", Type: "string", Description: "O-Cloud site (oCloudSiteId), else the global location", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.ResourcePool); return site(o) }},
			{Name: "Resources", Type: "integer", Description: "Resources in the pool, as counted by the inventory controller", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.ResourcePool); return o.Status.ResourceCount }},
		},
	}
}

// NewREST returns the storage of resourcepools and, when the kind has one, of its status.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewREST(Kind(), scheme, optsGetter)
}

// site is what an admin calls the pool's place: the v2 O-Cloud site, else the v1 location.
func site(o *o2ims.ResourcePool) string {
	if o.Spec.OCloudSiteID != "" {
		return o.Spec.OCloudSiteID
	}
	return o.Spec.GlobalLocationID
}
