// Package nfdeployment is the registry of NfDeployment objects (nfdeployments.o2dms.oran.org):
// besides validating an NfDeployment on its own, it checks it against the objects it names
// (Admit): the descriptor, the deployment manager, and the values against the descriptor's
// parameters schema, so bad input is a 422 at admission rather than a failed install later.
package nfdeployment

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2dms"
	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2dms/validation"
	o2imsv1alpha1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/registry/finalizers"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeploymentdescriptor"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/deploymentmanager"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// TargetNamespaces says which namespaces of the target cluster the NfDeployments of a tenant
// namespace may deploy into; the first is the default of spec.targetNamespace. The
// NfDeployments of the operator's shared namespace may deploy into any namespace.
type TargetNamespaces func(tenantNamespace, deploymentManagerID string) []string

// SameName is the default mapping: a tenant deploys only into the namespace named like its
// own, in whichever cluster.
func SameName(tenantNamespace, _ string) []string { return []string{tenantNamespace} }

// Options are the operator's choices the registry applies.
type Options struct {
	// TargetNamespaces maps tenant namespaces to target namespaces; nil is SameName.
	TargetNamespaces TargetNamespaces
}

func (o Options) targets(ns, dm string) []string { return AllowedTargets(o.TargetNamespaces, ns, dm) }

// AllowedTargets are the namespaces of the target cluster the NfDeployments of tenant namespace
// ns may deploy into on deployment manager dm: what mapping says (nil is SameName), less the
// namespaces Kubernetes reserves for itself (SystemNamespace). Admission and the deployment
// controller both ask it.
func AllowedTargets(mapping TargetNamespaces, ns, dm string) []string {
	if mapping == nil {
		mapping = SameName
	}
	return slices.DeleteFunc(slices.Clone(mapping(ns, dm)), SystemNamespace)
}

// SystemNamespace reports whether ns is one Kubernetes reserves for itself (the kube- prefix:
// kube-system, kube-public, kube-node-lease). No tenant deploys there, nor gets a token there:
// the built-in admin and edit roles aggregate o2ims-admin, so whoever an add-on bound edit in
// the hub's kube-system would otherwise run charts in kube-system of every member cluster,
// where admission is commonly relaxed. The inventory namespace (the operator's) still may.
func SystemNamespace(ns string) bool { return strings.HasPrefix(ns, "kube-") }

// Kind describes NfDeployment to the shared registry code.
func Kind(o Options) *kind.Kind {
	spec := field.NewPath("spec")
	return &kind.Kind{
		GroupVersion:     v1alpha1.SchemeGroupVersion,
		Category:         nfdeploymentdescriptor.Category,
		SelectableFields: v1alpha1.SelectableFieldsOf,
		Resource:         "nfdeployments",
		Singular:         "nfdeployment",
		ShortNames:       []string{"nfdep"},
		Namespaced:       true,
		NewFunc:          func() runtime.Object { return &o2dms.NfDeployment{} },
		NewListFunc:      func() runtime.Object { return &o2dms.NfDeploymentList{} },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateNfDeployment(obj.(*o2dms.NfDeployment))
		},
		// The release cannot move: another cluster or namespace is another release.
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			n, o := obj.(*o2dms.NfDeployment), old.(*o2dms.NfDeployment)
			var errs field.ErrorList
			if n.Spec.DeploymentManagerID != o.Spec.DeploymentManagerID {
				errs = append(errs, field.Invalid(spec.Child("deploymentManagerId"), n.Spec.DeploymentManagerID, "is immutable: delete the NfDeployment and create another"))
			}
			if n.Spec.TargetNamespace != o.Spec.TargetNamespace {
				errs = append(errs, field.Invalid(spec.Child("targetNamespace"), n.Spec.TargetNamespace, "is immutable: delete the NfDeployment and create another"))
			}
			return errs
		},
		KindName: "NfDeployment",
		PrepareForCreate: func(ctx context.Context, obj runtime.Object) {
			d := obj.(*o2dms.NfDeployment)
			if d.Spec.TargetNamespace == "" {
				if targets := o.targets(kind.NamespaceOf(ctx, obj), d.Spec.DeploymentManagerID); len(targets) > 0 {
					d.Spec.TargetNamespace = targets[0]
				}
			}
		},
		PrepareForUpdate: func(_ context.Context, obj, old runtime.Object) {
			if d := obj.(*o2dms.NfDeployment); d.Spec.TargetNamespace == "" {
				d.Spec.TargetNamespace = old.(*o2dms.NfDeployment).Spec.TargetNamespace
			}
		},
		ValidateTenancy: func(t *kind.Tenancy, obj, old runtime.Object) field.ErrorList {
			return validateTarget(o, t, obj.(*o2dms.NfDeployment), old)
		},
		Admit: func(ctx context.Context, t *kind.Tenancy, ns string, obj, old runtime.Object) (field.ErrorList, error) {
			var prev *o2dms.NfDeployment
			if old != nil {
				prev = old.(*o2dms.NfDeployment)
			}
			return Admit(ctx, tenancyLookups{t}, ns, obj.(*o2dms.NfDeployment), prev)
		},
		Status: &kind.StatusHandling{
			// The deployment controller acts on what status records (the release revision, the
			// history it rolls back to): a namespace admin whose Role grants "*" must not forge it.
			ServerOnly: true,
			ValidateStatus: func(obj runtime.Object) field.ErrorList {
				return validation.ValidateNfDeploymentStatus(&obj.(*o2dms.NfDeployment).Status)
			},
		},
		Columns: []kind.Column{
			{Name: "Descriptor", Type: "string", Description: "The NfDeploymentDescriptor deployed (namespace/name when in another namespace)",
				Cell: func(obj runtime.Object) interface{} { return descriptorColumn(obj.(*o2dms.NfDeployment)) }},
			{Name: "DM", Type: "string", Description: "O2 id of the DeploymentManager whose cluster it is deployed on",
				Cell: func(obj runtime.Object) interface{} { return obj.(*o2dms.NfDeployment).Spec.DeploymentManagerID }},
			{Name: "Phase", Type: "string", Description: "Phase, as the deployment controller reports it",
				Cell: func(obj runtime.Object) interface{} { return string(obj.(*o2dms.NfDeployment).Status.Phase) }},
			{Name: "Revision", Type: "integer", Description: "Helm release revision deployed",
				Cell: func(obj runtime.Object) interface{} { return obj.(*o2dms.NfDeployment).Status.ReleaseRevision }},
			{Name: "Target", Type: "string", Description: "Namespace of the target cluster", Priority: 1,
				Cell: func(obj runtime.Object) interface{} { return obj.(*o2dms.NfDeployment).Spec.TargetNamespace }},
		},
	}
}

// NewREST returns the storage of nfdeployments and of their status, held to the tenant
// boundary t (whose stores the descriptors and deployment managers are read from). authz
// decides who besides netweave may remove the release finalizer (releaseFinalizerRule); it is
// required.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy, o Options, authz authorizer.Authorizer) (*kind.REST, *kind.StatusREST, error) {
	if authz == nil {
		return nil, nil, fmt.Errorf("nfdeployments need an authorizer")
	}
	k := Kind(o)
	return kind.NewRESTWithTenancy(k, scheme, optsGetter, t, releaseFinalizerRule(k, authz))
}

// releaseFinalizerRule: the release finalizer holds an NfDeployment until its Helm release is
// uninstalled from the target cluster. A tenant removing it deletes the NfDeployment and
// leaves the release running there, unmanaged and outside the tenant's quota.
func releaseFinalizerRule(k *kind.Kind, authz authorizer.Authorizer) finalizers.Rule {
	return finalizers.Rule{
		Authorizer: authz,
		Resource:   k.Qualified(k.Resource),
		Finalizer:  v1alpha1.FinalizerRelease,
		Holds:      "the Helm release is uninstalled from the target cluster",
	}
}

func descriptorColumn(d *o2dms.NfDeployment) string {
	if ns := d.Spec.DescriptorRef.Namespace; ns != "" && ns != d.Namespace {
		return ns + "/" + d.Spec.DescriptorRef.Name
	}
	return d.Spec.DescriptorRef.Name
}

// validateTarget holds a tenant's NfDeployments to the target namespaces the operator maps
// its namespace to (by default its own name), never one Kubernetes reserves; the operator's
// shared namespace may deploy anywhere. An update keeping its target is let through (the
// mapping may have changed since).
func validateTarget(o Options, t *kind.Tenancy, d *o2dms.NfDeployment, old runtime.Object) field.ErrorList {
	if d.Namespace == t.InventoryNamespace() {
		return nil
	}
	if old != nil && old.(*o2dms.NfDeployment).Spec.TargetNamespace == d.Spec.TargetNamespace {
		return nil
	}
	path := field.NewPath("spec", "targetNamespace")
	target := d.Spec.TargetNamespace
	if SystemNamespace(target) {
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("%s is reserved for Kubernetes (kube-*): only the NfDeployments of the inventory namespace %s may deploy there", target, t.InventoryNamespace()))}
	}
	allowed := o.targets(d.Namespace, d.Spec.DeploymentManagerID)
	if target == "" && len(allowed) == 0 {
		// Nothing to default it to (PrepareForCreate): the namespace may deploy nowhere.
		return field.ErrorList{field.Required(path, fmt.Sprintf("the NfDeployments of namespace %s may deploy into no namespace of the target cluster", d.Namespace))}
	}
	if target == "" || slices.Contains(allowed, target) {
		return nil
	}
	return field.ErrorList{field.NotSupported(path, target, allowed)}
}

// Lookups are the reads Admit makes of other objects.
type Lookups interface {
	// SharedNamespace is the operator's namespace, whose descriptors every tenant may use and
	// which holds the deployment managers.
	SharedNamespace() string
	// Descriptor returns the descriptor name in namespace, nil when there is none.
	Descriptor(ctx context.Context, namespace, name string) (*o2dms.NfDeploymentDescriptor, error)
	// DeploymentManager returns the DeploymentManager holding the O2 id, nil when none does.
	DeploymentManager(ctx context.Context, id string) (metav1.Object, error)
	// MayReadShared reports whether the writer may get resource of group in the shared
	// namespace: a tenant uses the operator's deployment managers and descriptors only if the
	// operator offered them (RBAC there), as it may only see them then.
	MayReadShared(ctx context.Context, group, resource string) (bool, error)
}

// MayDeployTo reports whether the NfDeployments of namespace (or, on the O2 face, the
// Kubernetes-profile tokens of that tenant namespace) may use the DeploymentManager dm, where
// shared is the inventory namespace: dm must be one of the inventory's, and either the
// operator's cluster or the one that very namespace provisioned (v1alpha1.LabelTenant, which
// only the inventory sync writes there); the operator's namespace may use any. So a cluster a
// tenant provisioned never runs, nor hands tokens for, another tenant's workloads.
func MayDeployTo(dm metav1.Object, namespace, shared string) bool {
	if dm.GetNamespace() != shared {
		return false
	}
	tenant := dm.GetLabels()[o2imsv1alpha1.LabelTenant]
	return namespace == shared || tenant == "" || tenant == namespace
}

// Admit checks an NfDeployment written in namespace against the objects it names (old is nil
// on create; on update, only what changed is checked again):
//
//   - spec.descriptorRef must name a descriptor in namespace or in the shared namespace, the
//     shared one only if the writer may get nfdeploymentdescriptors there. Naming any other
//     namespace, or the shared one without that permission, is answered exactly as naming a
//     descriptor that does not exist, without reading it: a write never tells whether another
//     tenant, or an operator who offered it nothing, has a descriptor.
//   - spec.deploymentManagerId must be the O2 id of a DeploymentManager namespace may deploy
//     to (MayDeployTo): one in the shared (inventory) namespace, of the local cluster or a
//     member cluster, and not a cluster another tenant provisioned; and the writer must be
//     allowed to get deploymentmanagers there. Another tenant's cluster, and any id for a
//     writer without that permission, is answered exactly as an id nobody holds: their ids
//     are derived from the O-Cloud id and the member's name, and a dry-run must not tell a
//     tenant which clusters exist. The permissions are asked before the lookups and whatever
//     they find, so the answer's timing does not tell either.
//   - spec.values, merged over the descriptor's defaultValues, must satisfy its
//     parametersSchema; errors name the JSON paths under spec.values.
func Admit(ctx context.Context, l Lookups, namespace string, d, old *o2dms.NfDeployment) (field.ErrorList, error) {
	spec := field.NewPath("spec")
	var errs field.ErrorList
	shared := l.SharedNamespace()
	refChanged := old == nil || old.Spec.DescriptorRef != d.Spec.DescriptorRef
	valuesChanged := old == nil || !equality.Semantic.DeepEqual(old.Spec.Values, d.Spec.Values)
	mayRead := func(group, resource string) (bool, error) {
		if namespace == shared {
			return true, nil
		}
		ok, err := l.MayReadShared(ctx, group, resource)
		if err != nil {
			return false, apierrors.NewInternalError(fmt.Errorf("authorize reading %s in %s: %w", resource, shared, err))
		}
		return ok, nil
	}
	if old == nil || old.Spec.DeploymentManagerID != d.Spec.DeploymentManagerID {
		offered, err := mayRead(o2imsv1alpha1.GroupName, deploymentmanager.Resource)
		if err != nil {
			return nil, err
		}
		dm, err := l.DeploymentManager(ctx, d.Spec.DeploymentManagerID)
		if err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("resolve spec.deploymentManagerId %s: %w", d.Spec.DeploymentManagerID, err))
		}
		if dm == nil || !offered || !MayDeployTo(dm, namespace, shared) {
			errs = append(errs, field.Invalid(spec.Child("deploymentManagerId"), d.Spec.DeploymentManagerID,
				fmt.Sprintf("must be the id of a DeploymentManager in the inventory namespace %s, of a cluster namespace %s may deploy to", shared, namespace)))
		}
	}
	if !refChanged && !valuesChanged {
		return errs, nil
	}
	ref := d.Spec.DescriptorRef
	descNS := ref.Namespace
	if descNS == "" {
		descNS = namespace
	}
	var desc *o2dms.NfDeploymentDescriptor
	readable := descNS == namespace
	if descNS == shared {
		var err error
		if readable, err = mayRead(v1alpha1.SchemeGroupVersion.Group, nfdeploymentdescriptor.Resource); err != nil {
			return nil, err
		}
	}
	if readable {
		var err error
		if desc, err = l.Descriptor(ctx, descNS, ref.Name); err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("read spec.descriptorRef %s/%s: %w", descNS, ref.Name, err))
		}
	}
	if desc == nil {
		// Says that none of that name exists where one may be named, and the same for a name
		// in any other namespace: "must name one in..." read as a refusal of a namespace the
		// reference did name.
		msg := fmt.Sprintf("no NfDeploymentDescriptor %q in namespace %s or in the shared namespace %s, the only namespaces it may name", ref.Name, namespace, shared)
		if namespace == shared {
			msg = fmt.Sprintf("no NfDeploymentDescriptor %q in namespace %s, the only namespace it may name", ref.Name, namespace)
		}
		return append(errs, field.Invalid(spec.Child("descriptorRef"), descNS+"/"+ref.Name, msg)), nil
	}
	return append(errs, validation.ValidateValues(&desc.Spec, d.Spec.Values, spec.Child("values"))...), nil
}

// tenancyLookups reads through the server's stores.
type tenancyLookups struct{ t *kind.Tenancy }

func (l tenancyLookups) SharedNamespace() string { return l.t.InventoryNamespace() }

func (l tenancyLookups) MayReadShared(ctx context.Context, group, resource string) (bool, error) {
	return l.t.MayRead(ctx, group, resource)
}

func (l tenancyLookups) Descriptor(ctx context.Context, namespace, name string) (*o2dms.NfDeploymentDescriptor, error) {
	obj, err := l.t.Get(ctx, nfdeploymentdescriptor.Resource, namespace, name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d, ok := obj.(*o2dms.NfDeploymentDescriptor)
	if !ok {
		return nil, fmt.Errorf("read %T as a descriptor", obj)
	}
	return d, nil
}

func (l tenancyLookups) DeploymentManager(ctx context.Context, id string) (metav1.Object, error) {
	ns, name, found, err := l.t.Holder(ctx, deploymentmanager.Resource, id)
	if err != nil || !found {
		return nil, err
	}
	obj, err := l.t.Get(ctx, deploymentmanager.Resource, ns, name)
	if apierrors.IsNotFound(err) {
		// Deleted since the index was read: held by nobody now.
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return meta.Accessor(obj)
}
