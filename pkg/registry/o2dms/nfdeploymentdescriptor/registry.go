// Package nfdeploymentdescriptor is the registry of NfDeploymentDescriptor objects
// (nfdeploymentdescriptors.o2dms.oran.org).
package nfdeploymentdescriptor

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2dms"
	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2dms/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/secretref"
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
// t so that NfDeployments can be checked against their descriptor. authz decides whether a
// writer may name a pull Secret (pullSecretRule); it is required.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy, authz authorizer.Authorizer) (*kind.REST, *kind.StatusREST, error) {
	if authz == nil {
		return nil, nil, fmt.Errorf("%s need an authorizer", Resource)
	}
	k := Kind()
	return kind.NewRESTWithTenancy(k, scheme, optsGetter, t, pullSecretRule(k, authz))
}

// pullSecretRule: spec.pullSecretRef makes the controller read a Secret of the descriptor's
// namespace as netweave, which may get every Secret, and send its username and password to
// the chart source the descriptor names. Without a check, a user allowed to write descriptors
// but not to read Secrets could name any basic-auth Secret of the namespace and a repository
// URL of their own, and receive the Secret's content. So whoever names the Secret, or points
// a descriptor that names one at another chart source, must be allowed to get it. An update
// that keeps both (a version bump, the controller adopting the chart's schema) needs no
// rights on the Secret.
func pullSecretRule(k *kind.Kind, authz authorizer.Authorizer) secretref.Rule {
	return secretref.Rule{
		Authorizer: authz,
		Resource:   k.Qualified(k.Resource),
		Field:      field.NewPath("spec", "pullSecretRef"),
		Name: func(obj runtime.Object) string {
			if ref := obj.(*o2dms.NfDeploymentDescriptor).Spec.PullSecretRef; ref != nil {
				return ref.Name
			}
			return ""
		},
		Moved: func(obj, old runtime.Object) bool {
			return credentialsGoTo(&obj.(*o2dms.NfDeploymentDescriptor).Spec.Chart) != credentialsGoTo(&old.(*o2dms.NfDeploymentDescriptor).Spec.Chart)
		},
		Use: "a descriptor can only fetch its chart with credentials its writer may read",
	}
}

// credentialsGoTo is where a chart source sends the pull credentials: the OCI reference or
// the repository URL (the chart's name within a repository changes nothing).
func credentialsGoTo(c *o2dms.ChartSource) string {
	switch {
	case c.OCI != nil:
		return "oci\x00" + c.OCI.Reference
	case c.Repository != nil:
		return "repository\x00" + c.Repository.URL
	}
	return ""
}
