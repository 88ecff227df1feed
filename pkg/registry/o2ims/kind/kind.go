// Package kind holds what every kind's registry shares, o2ims.oran.org's and o2dms.oran.org's:
// the strategies, the REST storage, the table convertor and the tenant boundary,
// parameterised by a Kind that each per-kind package declares.
package kind

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// Column is one column of `kubectl get` output after NAME.
type Column struct {
	Name        string
	Type        string // "string", "integer", "date"
	Description string
	// Priority 0 columns always show; 1 only with -o wide.
	Priority int32
	Cell     func(obj runtime.Object) interface{}
}

// Kind describes one kind to the shared registry code. Functions receive and return internal
// (hub) objects.
type Kind struct {
	// GroupVersion is the served group and version; the zero value is o2ims.oran.org/v1alpha1.
	GroupVersion schema.GroupVersion
	// Category is the kubectl category of the kind; "" is Category (o2ims).
	Category string
	// SelectableFields lists the kind's field selectors besides metadata.name and
	// metadata.namespace; nil is v1alpha1.SelectableFieldsOf (the o2ims list).
	SelectableFields func(kind string) []string

	// Resource is the plural resource name, e.g. "resourcepools"; Singular e.g. "resourcepool".
	Resource   string
	Singular   string
	ShortNames []string
	Namespaced bool

	NewFunc     func() runtime.Object
	NewListFunc func() runtime.Object

	// ID returns a pointer to the object's O2 identifier so the strategy can default it and keep
	// it immutable. IDPath is its field path, used in errors and field selectors. A kind with no
	// O2 id (the AlarmServiceConfiguration singleton) leaves ID, IDPath and NewID nil.
	ID     func(obj runtime.Object) *string
	IDPath *field.Path
	// NewID returns the identifier to assign when the creator gave none.
	NewID func() string
	// ServerAssignsIDs: in every namespace the server assigns the O2 id, and a create that
	// names one is refused unless the caller is a cluster superuser (who may restore an object
	// under its old id). For ids unique across namespaces that tenants create (subscriptions,
	// purge tasks): a chosen id held elsewhere would answer 409 and confirm that it exists.
	ServerAssignsIDs bool

	Validate func(obj runtime.Object) field.ErrorList
	// ValidateUpdate, when set, checks what an update may change beyond Validate (the O2 id is
	// always immutable).
	ValidateUpdate func(obj, old runtime.Object) field.ErrorList
	// ValidateChanged, when set, checks rules tightened after objects could be stored without
	// them: every field they read on create (old is nil), on update only those that changed,
	// so an object stored before keeps working until they are edited.
	ValidateChanged func(obj, old runtime.Object) field.ErrorList
	// KindName is the API kind; its field selectors are v1alpha1.SelectableFieldsOf(KindName).
	KindName string

	// Status, when set, gives the kind a status subresource owned by a controller: the main
	// endpoint ignores status changes and the status endpoint ignores everything else.
	Status *StatusHandling

	// The tenant boundary (see Tenancy); it applies when the storage is built with one.

	// ServerAssignsTenantIDs: outside the inventory namespace the server assigns the O2 id, and
	// a create that names one is refused (cluster superusers excepted).
	ServerAssignsTenantIDs bool
	// Refs lists the object's references to other kinds' O2 ids, which must resolve in the
	// object's namespace or the inventory namespace (only the object's, Ref.OwnNamespace).
	Refs func(obj runtime.Object) []Ref
	// ValidateTenancy checks the kind's own rules of the boundary on create (old is nil) and
	// update, e.g. that only pools in the node pool namespaces select Nodes.
	ValidateTenancy func(t *Tenancy, obj, old runtime.Object) field.ErrorList
	// Admit, when set, checks a create (old is nil) or update against other objects (through
	// t's Get and HolderNamespace), dry-run or not, once the object passed its own validation;
	// namespace is the one written to. Unlike Refs it holds cluster superusers too: it checks
	// that the object can work, not only what its writer may see. A non-nil error (a failed
	// lookup) is returned as is.
	Admit func(ctx context.Context, t *Tenancy, namespace string, obj, old runtime.Object) (field.ErrorList, error)

	Columns []Column

	// PrepareForCreate, when set, fills in what the server owns on a new object (after the O2
	// id is assigned); ctx carries the request, and so its authenticated user.
	PrepareForCreate func(ctx context.Context, obj runtime.Object)
	// PrepareForUpdate, when set, restores on an update what the server owns from old. It runs
	// after the status is restored from old, so it may derive status from the request (as an
	// alarm's acknowledgement does).
	PrepareForUpdate func(ctx context.Context, obj, old runtime.Object)
}

// StatusHandling marks a kind whose status is owned by a controller.
type StatusHandling struct {
	ValidateStatus func(obj runtime.Object) field.ErrorList
	// SetOnCreate lets a create carry the status, so the controller writes a new object with
	// its state in one write and no watcher sees it without (an alarm raised with its
	// severity). Otherwise a create's status is dropped, as for built-in kinds.
	SetOnCreate bool
	// ServerOnly: only the server's own controllers (its loopback client, in system:masters)
	// write the status; anyone else is refused whatever RBAC grants, since a namespace admin's
	// "*" would otherwise let them forge what the controller reports and acts on.
	ServerOnly bool
	// PrepareForUpdate, when set, restores on a status update what the status endpoint may not
	// change (the parts of status the main endpoint records).
	PrepareForUpdate func(ctx context.Context, obj, old runtime.Object)
}

// HasID reports whether the kind's objects carry an O2 id.
func (k *Kind) HasID() bool { return k.ID != nil }

// groupVersion is the served group and version of the kind.
func (k *Kind) groupVersion() schema.GroupVersion {
	if k.GroupVersion.Empty() {
		return v1alpha1.SchemeGroupVersion
	}
	return k.GroupVersion
}

// Qualified returns the kind's resource (or singular name) qualified by its group.
func (k *Kind) Qualified(resource string) schema.GroupResource {
	return schema.GroupResource{Group: k.groupVersion().Group, Resource: resource}
}

func (k *Kind) category() string {
	if k.Category == "" {
		return Category
	}
	return k.Category
}

func (k *Kind) selectableFields() []string {
	if k.SelectableFields == nil {
		return v1alpha1.SelectableFieldsOf(k.KindName)
	}
	return k.SelectableFields(k.KindName)
}

// GroupResource returns the group-qualified resource.
func (k *Kind) GroupResource(group string) schema.GroupResource {
	return schema.GroupResource{Group: group, Resource: k.Resource}
}
