// Package resourcepool is the registry of ResourcePool objects (resourcepools.o2ims.oran.org).
package resourcepool

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
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
		// The pool's place: its site and location must be the writer's or the operator's.
		// oCloudId names the cluster-scoped O-Cloud every namespace shares.
		ServerAssignsTenantIDs: true,
		Refs: func(obj runtime.Object) []kind.Ref {
			o := obj.(*o2ims.ResourcePool)
			spec := field.NewPath("spec")
			return []kind.Ref{
				{Path: spec.Child("oCloudSiteId"), ID: o.Spec.OCloudSiteID, Resource: "ocloudsites", Kind: "OCloudSite"},
				{Path: spec.Child("globalLocationId"), ID: o.Spec.GlobalLocationID, Resource: "locations", Kind: "Location"},
			}
		},
		ValidateTenancy: validateNodeSelector,
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

// NewREST returns the storage of resourcepools and, when the kind has one, of its status, held to the
// tenant boundary t.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}

// site is what an admin calls the pool's place: the v2 O-Cloud site, else the v1 location.
func site(o *o2ims.ResourcePool) string {
	if o.Spec.OCloudSiteID != "" {
		return o.Spec.OCloudSiteID
	}
	return o.Spec.GlobalLocationID
}

// validateNodeSelector lets only pools in the node pool namespaces select Nodes: anywhere else
// a pool would take the operator's inventory into a tenant's namespace. An update that keeps
// a selector set before the operator's list changed is let through (the inventory sync
// ignores that selector and says so in the pool's status).
func validateNodeSelector(t *kind.Tenancy, obj, old runtime.Object) field.ErrorList {
	p := obj.(*o2ims.ResourcePool)
	if p.Spec.NodeSelector == nil || t.NodePoolsAllowed(p.Namespace) {
		return nil
	}
	if old != nil && equality.Semantic.DeepEqual(p.Spec.NodeSelector, old.(*o2ims.ResourcePool).Spec.NodeSelector) {
		return nil
	}
	return field.ErrorList{field.Forbidden(field.NewPath("spec", "nodeSelector"), fmt.Sprintf(
		"only pools in the inventory namespace %s or in a namespace the operator allows (--inventory-node-pool-namespaces) may select Nodes; %s is not one",
		t.InventoryNamespace(), p.Namespace))}
}
