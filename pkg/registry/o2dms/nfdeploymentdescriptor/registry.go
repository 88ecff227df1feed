// Package nfdeploymentdescriptor is the registry of NfDeploymentDescriptor objects
// (nfdeploymentdescriptors.o2dms.oran.org).
package nfdeploymentdescriptor

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2dms"
	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2dms/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Resource is the descriptors' resource name.
const Resource = "nfdeploymentdescriptors"

// Category groups the o2dms.oran.org kinds: `kubectl get o2dms`.
const Category = "o2dms"

// Kind describes NfDeploymentDescriptor to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		GroupVersion:     v1alpha1.SchemeGroupVersion,
		Category:         Category,
		SelectableFields: v1alpha1.SelectableFieldsOf,
		Resource:         Resource,
		Singular:         "nfdeploymentdescriptor",
		ShortNames:       []string{"nfdd"},
		Namespaced:       true,
		NewFunc:          func() runtime.Object { return &o2dms.NfDeploymentDescriptor{} },
		NewListFunc:      func() runtime.Object { return &o2dms.NfDeploymentDescriptorList{} },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateNfDeploymentDescriptor(obj.(*o2dms.NfDeploymentDescriptor))
		},
		KindName: "NfDeploymentDescriptor",
		Columns: []kind.Column{
			{Name: "Chart", Type: "string", Description: "Where the chart is fetched from: the OCI reference, or the repository URL and chart name",
				Cell: func(obj runtime.Object) interface{} { return Chart(&obj.(*o2dms.NfDeploymentDescriptor).Spec.Chart) }},
			{Name: "Version", Type: "string", Description: "Chart version",
				Cell: func(obj runtime.Object) interface{} { return obj.(*o2dms.NfDeploymentDescriptor).Spec.Version }},
		},
	}
}

// Chart renders a chart source in one string: the OCI reference, or "<name> (<repository url>)".
func Chart(c *o2dms.ChartSource) string {
	switch {
	case c.OCI != nil:
		return c.OCI.Reference
	case c.Repository != nil:
		return c.Repository.Name + " (" + c.Repository.URL + ")"
	}
	return ""
}

// NewREST returns the storage of nfdeploymentdescriptors, registered with the tenant boundary
// t so that NfDeployments can be checked against their descriptor.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}
