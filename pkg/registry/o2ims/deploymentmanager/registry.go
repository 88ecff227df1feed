// Package deploymentmanager is the registry of DeploymentManager objects (deploymentmanagers.o2ims.oran.org).
package deploymentmanager

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Resource is the deployment managers' resource name.
const Resource = "deploymentmanagers"

// Kind describes DeploymentManager to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    Resource,
		Singular:    "deploymentmanager",
		ShortNames:  []string{"dm"},
		Namespaced:  true,
		NewFunc:     func() runtime.Object { return &o2ims.DeploymentManager{} },
		NewListFunc: func() runtime.Object { return &o2ims.DeploymentManagerList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.DeploymentManager).Spec.DeploymentManagerID },
		IDPath:      field.NewPath("spec", "deploymentManagerId"),
		NewID:       func() string { return string(uuid.NewUUID()) },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateDeploymentManager(obj.(*o2ims.DeploymentManager))
		},
		KindName: "DeploymentManager",
		// The inventory controller reports whether it reaches the cluster in the status.
		Status: &kind.StatusHandling{
			ValidateStatus: func(obj runtime.Object) field.ErrorList {
				return validation.ValidateDeploymentManagerStatus(&obj.(*o2ims.DeploymentManager).Status)
			},
		},
		// The locations a manager serves are the writer's or the operator's. oCloudId names the
		// cluster-scoped O-Cloud every namespace shares.
		ServerAssignsTenantIDs: true,
		Refs: func(obj runtime.Object) []kind.Ref {
			o := obj.(*o2ims.DeploymentManager)
			path := field.NewPath("spec", "supportedLocations")
			refs := make([]kind.Ref, 0, len(o.Spec.SupportedLocations))
			for i, id := range o.Spec.SupportedLocations {
				refs = append(refs, kind.Ref{Path: path.Index(i), ID: id, Resource: "locations", Kind: "Location"})
			}
			return refs
		},
		Columns: []kind.Column{
			{Name: "O2 ID", Type: "string", Description: "O2 identifier (deploymentManagerId)", Priority: 0, Cell: func(obj runtime.Object) interface{} {
				o := obj.(*o2ims.DeploymentManager)
				return o.Spec.DeploymentManagerID
			}},
			{Name: "Service URI", Type: "string", Description: "apiRoot of the O2dms services", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.DeploymentManager); return o.Spec.ServiceURI }},
		},
	}
}

// NewREST returns the storage of deploymentmanagers and, when the kind has one, of its status, held to the
// tenant boundary t.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}
