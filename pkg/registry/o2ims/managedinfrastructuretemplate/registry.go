// Package managedinfrastructuretemplate is the registry of ManagedInfrastructureTemplate
// objects (managedinfrastructuretemplates.o2ims.oran.org): one version of a Cluster API
// ClusterClass offered for provisioning, written by the template sync.
package managedinfrastructuretemplate

import (
	"context"

	"github.com/google/uuid"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Resource is the templates' resource name.
const Resource = "managedinfrastructuretemplates"

// idSpace is the UUID namespace of artifactResourceIds (UUIDv5 of the URL namespace and
// "https://netweave.io/o2ims/managedinfrastructuretemplates"): a template's id derives from where it
// is (namespace and name), so it is the same after every sync and restart.
var idSpace = uuid.MustParse("6523ad61-0459-59ab-8e38-5f8df0c6dc9e")

// ArtifactResourceID is the O2 id of the template name in namespace.
func ArtifactResourceID(namespace, name string) string {
	return uuid.NewSHA1(idSpace, []byte(namespace+"/"+name)).String()
}

// Kind describes ManagedInfrastructureTemplate to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    Resource,
		Singular:    "managedinfrastructuretemplate",
		ShortNames:  []string{"mit"},
		Namespaced:  true,
		NewFunc:     func() runtime.Object { return &o2ims.ManagedInfrastructureTemplate{} },
		NewListFunc: func() runtime.Object { return &o2ims.ManagedInfrastructureTemplateList{} },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateManagedInfrastructureTemplate(obj.(*o2ims.ManagedInfrastructureTemplate))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			n, o := obj.(*o2ims.ManagedInfrastructureTemplate), old.(*o2ims.ManagedInfrastructureTemplate)
			return validation.ValidateImmutable(n.Spec.ArtifactResourceID, o.Spec.ArtifactResourceID, field.NewPath("spec", "artifactResourceId"))
		},
		KindName: "ManagedInfrastructureTemplate",
		// The id is derived, never chosen: no writer can make one template answer for another.
		PrepareForCreate: func(_ context.Context, obj runtime.Object) {
			t := obj.(*o2ims.ManagedInfrastructureTemplate)
			t.Spec.ArtifactResourceID = ArtifactResourceID(t.Namespace, t.Name)
		},
		PrepareForUpdate: func(_ context.Context, obj, old runtime.Object) {
			obj.(*o2ims.ManagedInfrastructureTemplate).Spec.ArtifactResourceID = old.(*o2ims.ManagedInfrastructureTemplate).Spec.ArtifactResourceID
		},
		Columns: []kind.Column{
			{Name: "Template", Type: "string", Description: "Template name: the ClusterClass's name",
				Cell: func(obj runtime.Object) interface{} { return obj.(*o2ims.ManagedInfrastructureTemplate).Spec.Name }},
			{Name: "Version", Type: "string", Description: "Template version: the Kubernetes version clusters get",
				Cell: func(obj runtime.Object) interface{} { return obj.(*o2ims.ManagedInfrastructureTemplate).Spec.Version }},
			{Name: "ClusterClass", Type: "string", Description: "The Cluster API ClusterClass (namespace/name)", Priority: 1,
				Cell: func(obj runtime.Object) interface{} {
					r := obj.(*o2ims.ManagedInfrastructureTemplate).Spec.ClusterClassRef
					return r.Namespace + "/" + r.Name
				}},
			{Name: "O2 ID", Type: "string", Description: "O2 identifier (artifactResourceId)", Priority: 1,
				Cell: func(obj runtime.Object) interface{} {
					return obj.(*o2ims.ManagedInfrastructureTemplate).Spec.ArtifactResourceID
				}},
		},
	}
}

// NewREST returns the storage of managedinfrastructuretemplates, registered with the tenant
// boundary t so that ProvisioningRequests can be checked against their template.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}
