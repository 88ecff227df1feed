// Package provisioningrequest is the registry of ProvisioningRequest objects
// (provisioningrequests.o2ims.oran.org). Besides validating a request on its own, it holds it
// to the namespaces the operator opened to provisioning and checks it against its template
// (Admit): the template must exist where the request may use it, and the parameters must
// satisfy its schema, so a bad request is a 422 naming the field at admission rather than a
// Cluster that never builds.
package provisioningrequest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/finalizers"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/managedinfrastructuretemplate"
)

// Resource is the requests' resource name.
const Resource = "provisioningrequests"

// PendingMessage is the message of a request no controller has looked at yet.
const PendingMessage = "waiting for the provisioning controller"

// Options are the operator's choices the registry applies.
type Options struct {
	// Namespaces are the tenant namespaces, besides the inventory namespace, where requests
	// may be created (--provisioning-namespaces).
	Namespaces []string
	// Now is the clock of status.updateTime; nil is time.Now.
	Now func() time.Time
}

func (o Options) now() metav1.Time {
	if o.Now == nil {
		return metav1.Now()
	}
	return metav1.NewTime(o.Now())
}

// Kind describes ProvisioningRequest to the shared registry code.
func Kind(o Options) *kind.Kind {
	spec := field.NewPath("spec")
	return &kind.Kind{
		Resource:    Resource,
		Singular:    "provisioningrequest",
		ShortNames:  []string{"provreq"},
		Namespaced:  true,
		NewFunc:     func() runtime.Object { return &o2ims.ProvisioningRequest{} },
		NewListFunc: func() runtime.Object { return &o2ims.ProvisioningRequestList{} },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateProvisioningRequest(obj.(*o2ims.ProvisioningRequest))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			n, p := obj.(*o2ims.ProvisioningRequest), old.(*o2ims.ProvisioningRequest)
			errs := validation.ValidateImmutable(n.Spec.ProvisioningRequestID, p.Spec.ProvisioningRequestID, spec.Child("provisioningRequestId"))
			return append(errs, validation.ValidateProvisioningRequestUpdate(n, p)...)
		},
		KindName: "ProvisioningRequest",
		// The SMO's id is the object's name: either may be given, the other follows. A new
		// request is PENDING until the controller takes it, so the first read after the create
		// already says what it waits for.
		PrepareForCreate: func(_ context.Context, obj runtime.Object) {
			r := obj.(*o2ims.ProvisioningRequest)
			switch {
			case r.Name == "" && r.GenerateName == "":
				r.Name = r.Spec.ProvisioningRequestID
			case r.Spec.ProvisioningRequestID == "":
				r.Spec.ProvisioningRequestID = r.Name
			}
			now := o.now()
			r.Status = o2ims.ProvisioningRequestStatus{
				ProvisioningPhase: o2ims.ProvisioningPhasePending, Message: PendingMessage, UpdateTime: &now,
			}
		},
		PrepareForUpdate: func(_ context.Context, obj, old runtime.Object) {
			if r := obj.(*o2ims.ProvisioningRequest); r.Spec.ProvisioningRequestID == "" {
				r.Spec.ProvisioningRequestID = old.(*o2ims.ProvisioningRequest).Spec.ProvisioningRequestID
			}
		},
		Admit: func(ctx context.Context, t *kind.Tenancy, ns string, obj, old runtime.Object) (field.ErrorList, error) {
			var prev *o2ims.ProvisioningRequest
			if old != nil {
				prev = old.(*o2ims.ProvisioningRequest)
			}
			return Admit(ctx, tenancyLookups{t}, o, ns, obj.(*o2ims.ProvisioningRequest), prev)
		},
		// The controller acts on what the status says (the Cluster it tears down, the cluster
		// it reports): nobody else writes it, not even a namespace admin whose "*" covers it.
		Status: &kind.StatusHandling{
			ServerOnly: true,
			ValidateStatus: func(obj runtime.Object) field.ErrorList {
				r := obj.(*o2ims.ProvisioningRequest)
				return validation.ValidateProvisioningRequestStatus(r.Namespace, &r.Status)
			},
		},
		Columns: []kind.Column{
			{Name: "Phase", Type: "string", Description: "provisioningPhase, as the provisioning controller reports it",
				Cell: func(obj runtime.Object) interface{} {
					return string(obj.(*o2ims.ProvisioningRequest).Status.ProvisioningPhase)
				}},
			{Name: "Template", Type: "string", Description: "The ManagedInfrastructureTemplate (templateName.templateVersion)",
				Cell: func(obj runtime.Object) interface{} {
					r := obj.(*o2ims.ProvisioningRequest)
					return validation.TemplateObjectName(r.Spec.TemplateName, r.Spec.TemplateVersion)
				}},
			{Name: "Cluster", Type: "string", Description: "The Cluster API Cluster built for the request",
				Cell: func(obj runtime.Object) interface{} {
					if ref := obj.(*o2ims.ProvisioningRequest).Status.ClusterRef; ref != nil {
						return ref.Name
					}
					return ""
				}},
			{Name: "Request Name", Type: "string", Description: "The SMO's name of the request (spec.name)", Priority: 1,
				Cell: func(obj runtime.Object) interface{} { return obj.(*o2ims.ProvisioningRequest).Spec.Name }},
			{Name: "Message", Type: "string", Description: "What the request waits for, or why it failed", Priority: 1,
				Cell: func(obj runtime.Object) interface{} { return obj.(*o2ims.ProvisioningRequest).Status.Message }},
		},
	}
}

// NewREST returns the storage of provisioningrequests and of their status, held to the tenant
// boundary t (whose stores the templates are read from).
//
// authz decides who besides netweave may remove the provisioning finalizer: it holds a request
// until its Cluster is deleted, and a tenant removing it would leave the Cluster running,
// orphaned, outside the tenant's quota of requests. It is required.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy, o Options, authz authorizer.Authorizer) (*kind.REST, *kind.StatusREST, error) {
	if authz == nil {
		return nil, nil, fmt.Errorf("provisioningrequests need an authorizer")
	}
	k := Kind(o)
	stampTemplateNamespace(k, tenancyLookups{t})
	return kind.NewRESTWithTenancy(k, scheme, optsGetter, t, finalizers.Rule{
		Authorizer: authz,
		Resource:   k.Qualified(k.Resource),
		Finalizer:  v1alpha1.FinalizerProvisioning,
		Holds:      "the request's Cluster is deleted",
	})
}

// Lookups are the reads Admit makes of other objects.
type Lookups interface {
	// InventoryNamespace is the operator's namespace, whose templates the tenants it offers
	// them to may use.
	InventoryNamespace() string
	// Template returns the template name in namespace, nil when there is none.
	Template(ctx context.Context, namespace, name string) (*o2ims.ManagedInfrastructureTemplate, error)
	// MayReadInventoryTemplates reports whether the writer may get managedinfrastructuretemplates
	// in the inventory namespace: the operator offers its templates with RBAC there
	// (o2ims-template-reader).
	MayReadInventoryTemplates(ctx context.Context) (bool, error)
}

// stampTemplateNamespace makes k's create and update set spec.templateNamespace (templateNamespace)
// over whatever the client sent: on a create, and on an update that changes the template; an
// update that keeps the template keeps the stored value. Admit then checks the template there.
func stampTemplateNamespace(k *kind.Kind, l Lookups) {
	prepareCreate, prepareUpdate := k.PrepareForCreate, k.PrepareForUpdate
	k.PrepareForCreate = func(ctx context.Context, obj runtime.Object) {
		prepareCreate(ctx, obj)
		r := obj.(*o2ims.ProvisioningRequest)
		r.Spec.TemplateNamespace = templateNamespace(ctx, l, requestNamespace(ctx, r), r)
	}
	k.PrepareForUpdate = func(ctx context.Context, obj, old runtime.Object) {
		prepareUpdate(ctx, obj, old)
		r, prev := obj.(*o2ims.ProvisioningRequest), old.(*o2ims.ProvisioningRequest)
		if r.Spec.TemplateName == prev.Spec.TemplateName && r.Spec.TemplateVersion == prev.Spec.TemplateVersion {
			r.Spec.TemplateNamespace = prev.Spec.TemplateNamespace
			return
		}
		r.Spec.TemplateNamespace = templateNamespace(ctx, l, requestNamespace(ctx, r), r)
	}
}

// requestNamespace is the namespace r is written in: the request's, where the object does not
// say yet (admission prepares a copy before the namespace is set on it).
func requestNamespace(ctx context.Context, r *o2ims.ProvisioningRequest) string {
	if r.Namespace != "" {
		return r.Namespace
	}
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	return ns
}

// templateNamespace is where a write of r in namespace by the caller of ctx finds its template:
// namespace when a template of r's name and version is there, else the inventory namespace when
// the caller may get templates there and one is there, else namespace (where admission then
// finds none and refuses the write). The decision is the caller's rights at the write, recorded
// so that the controller, which acts later and for nobody in particular, never decides it again.
func templateNamespace(ctx context.Context, l Lookups, namespace string, r *o2ims.ProvisioningRequest) string {
	inv := l.InventoryNamespace()
	if namespace == inv {
		return inv
	}
	name := validation.TemplateObjectName(r.Spec.TemplateName, r.Spec.TemplateVersion)
	if t, err := l.Template(ctx, namespace, name); err != nil || isTemplateOf(t, r) {
		return namespace
	}
	if offered, err := l.MayReadInventoryTemplates(ctx); err != nil || !offered {
		return namespace
	}
	if t, err := l.Template(ctx, inv, name); err == nil && isTemplateOf(t, r) {
		return inv
	}
	return namespace
}

// isTemplateOf reports whether t is the template r names: the object name joins name and version
// with a dot that either may contain, so (edge, small.v1.30.0) and (edge.small, v1.30.0) share
// it, and only the template of r's name and version is the one asked for.
func isTemplateOf(t *o2ims.ManagedInfrastructureTemplate, r *o2ims.ProvisioningRequest) bool {
	return t != nil && t.Spec.Name == r.Spec.TemplateName && t.Spec.Version == r.Spec.TemplateVersion
}

// Admit checks a request written in namespace (old is nil on create; on update only what
// changed is checked again):
//
//   - the namespace must be the inventory namespace or one the operator opened to
//     provisioning, else 403: netweave builds Clusters in the request's namespace and is
//     granted that there only;
//   - templateName.templateVersion must name a ManagedInfrastructureTemplate in namespace or in
//     the inventory namespace, the latter only for a writer who may get templates there (asked
//     before the reads, whatever they find). Any other namespace is never read, and a missing
//     template is answered alike, so a write tells nothing of other tenants' templates, nor of
//     the operator's to a tenant it did not offer them to. When the server has recorded where
//     (spec.templateNamespace, see stampTemplateNamespace), only that namespace counts;
//   - templateParameters, merged over the template's defaults, must satisfy its
//     parameterSchema; errors name the JSON paths under spec.templateParameters.
func Admit(ctx context.Context, l Lookups, o Options, namespace string, r, old *o2ims.ProvisioningRequest) (field.ErrorList, error) {
	// A request being deleted is torn down whatever its spec says: the controller only deletes
	// its Cluster, so a new templateVersion or new parameters would be accepted, counted as
	// observed (observedGeneration) and never applied. 409, on both faces, before anything else.
	if old != nil && old.DeletionTimestamp != nil && specChanged(old, r) {
		return nil, apierrors.NewConflict(o2ims.Resource(Resource), r.Name,
			fmt.Errorf("the provisioning request is being deleted: its spec can no longer change"))
	}
	// An update that leaves the spec's template as it was asks nothing new of the namespace:
	// after the operator drops a namespace from --provisioning-namespaces its requests must
	// still be deletable, their finalizers removed and their status written.
	if old != nil && old.Spec.TemplateName == r.Spec.TemplateName && old.Spec.TemplateVersion == r.Spec.TemplateVersion &&
		equality.Semantic.DeepEqual(old.Spec.TemplateParameters, r.Spec.TemplateParameters) {
		return nil, nil
	}
	inv := l.InventoryNamespace()
	if namespace != inv && !slices.Contains(o.Namespaces, namespace) {
		return nil, apierrors.NewForbidden(o2ims.Resource(Resource), r.Name,
			fmt.Errorf("provisioning is not enabled in namespace %s: the operator lists the namespaces where clusters may be requested (--provisioning-namespaces)", namespace))
	}
	spec := field.NewPath("spec")
	name := validation.TemplateObjectName(r.Spec.TemplateName, r.Spec.TemplateVersion)
	where := []string{namespace}
	if namespace != inv {
		offered, err := l.MayReadInventoryTemplates(ctx)
		if err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("authorize reading templates in %s: %w", inv, err))
		}
		if offered {
			where = append(where, inv)
		}
	}
	if stamped := r.Spec.TemplateNamespace; stamped != "" {
		where = slices.DeleteFunc(where, func(ns string) bool { return ns != stamped })
	}
	var tmpl *o2ims.ManagedInfrastructureTemplate
	for _, ns := range where {
		t, err := l.Template(ctx, ns, name)
		if err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("read template %s: %w", name, err))
		}
		// Of the two templates that share the object name, the other is answered as missing.
		if isTemplateOf(t, r) {
			tmpl = t
			break
		}
	}
	if tmpl == nil {
		where := fmt.Sprintf("in namespace %s or in the inventory namespace %s", namespace, inv)
		if namespace == inv {
			where = "in namespace " + namespace
		}
		return field.ErrorList{field.Invalid(spec.Child("templateVersion"), r.Spec.TemplateVersion,
			fmt.Sprintf("template %s (templateName.templateVersion) must name a ManagedInfrastructureTemplate %s", name, where))}, nil
	}
	return validation.ValidateTemplateParameters(&tmpl.Spec, r.Spec.TemplateParameters, spec.Child("templateParameters")), nil
}

// specChanged reports whether an update of old to r changes what the SMO asked for (the
// server-set templateNamespace aside); templateParameters are compared as JSON values, so a
// client that re-encodes them unchanged changes nothing.
func specChanged(old, r *o2ims.ProvisioningRequest) bool {
	a, b := old.Spec, r.Spec
	a.TemplateNamespace, b.TemplateNamespace = "", ""
	a.TemplateParameters, b.TemplateParameters = nil, nil
	return !reflect.DeepEqual(a, b) || !sameParameters(old.Spec.TemplateParameters, r.Spec.TemplateParameters)
}

// sameParameters reports whether a and b hold the same JSON value (kind.SameJSON; nil and
// empty are none).
func sameParameters(a, b *o2ims.JSON) bool {
	var ra, rb []byte
	if a != nil {
		ra = a.Raw
	}
	if b != nil {
		rb = b.Raw
	}
	if len(ra) == 0 || len(rb) == 0 {
		return len(ra) == len(rb)
	}
	return kind.SameJSON(ra, rb)
}

// tenancyLookups reads through the server's stores.
type tenancyLookups struct{ t *kind.Tenancy }

func (l tenancyLookups) InventoryNamespace() string { return l.t.InventoryNamespace() }

func (l tenancyLookups) MayReadInventoryTemplates(ctx context.Context) (bool, error) {
	return l.t.MayRead(ctx, "", managedinfrastructuretemplate.Resource)
}

func (l tenancyLookups) Template(ctx context.Context, namespace, name string) (*o2ims.ManagedInfrastructureTemplate, error) {
	obj, err := l.t.Get(ctx, managedinfrastructuretemplate.Resource, namespace, name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	tmpl, ok := obj.(*o2ims.ManagedInfrastructureTemplate)
	if !ok {
		return nil, fmt.Errorf("read %T as a template", obj)
	}
	return tmpl, nil
}
