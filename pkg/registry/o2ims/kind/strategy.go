package kind

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// strategy implements the create, update and delete strategies of the main endpoint.
type strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
	kind       *Kind
	apiVersion string
	// tenancy is the tenant boundary the kind's writes are held to; nil holds them to none.
	tenancy *Tenancy
}

func newStrategy(typer runtime.ObjectTyper, k *Kind, apiVersion string, t *Tenancy) *strategy {
	return &strategy{ObjectTyper: typer, NameGenerator: names.SimpleNameGenerator, kind: k, apiVersion: apiVersion, tenancy: t}
}

func (s *strategy) NamespaceScoped() bool { return s.kind.Namespaced }

// PrepareForCreate assigns the O2 id when the creator gave none: SMOs address objects by it.
func (s *strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	if s.kind.HasID() {
		if id := s.kind.ID(obj); *id == "" {
			*id = s.kind.NewID()
		}
	}
	if s.kind.Status != nil && !s.kind.Status.SetOnCreate {
		copyField(obj, s.kind.NewFunc(), "Status")
	}
	if s.kind.PrepareForCreate != nil {
		s.kind.PrepareForCreate(ctx, obj)
	}
	bumpGenerationOnCreate(obj)
}

// PrepareForUpdate keeps the O2 id when an update omits it (a re-applied manifest without an
// id must not fail nor change the id), keeps status owned by the status endpoint, and keeps
// the stored form of free-form values a server-side apply rewrote (keepStoredJSON).
func (s *strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	keepStoredJSON(obj, old, "Spec")
	if s.kind.HasID() {
		if id := s.kind.ID(obj); *id == "" {
			*id = *s.kind.ID(old)
		}
	}
	if s.kind.Status != nil {
		copyField(obj, old, "Status")
	}
	if s.kind.PrepareForUpdate != nil {
		s.kind.PrepareForUpdate(ctx, obj, old)
	}
	bumpGenerationOnSpecChange(obj, old)
}

// Validate is capped (validation.Capped): a refused write is answered at a cost bounded
// whatever the object holds.
func (s *strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	errs := append(s.kind.Validate(obj), s.validateTenancy(obj, nil)...)
	errs = append(errs, validation.ValidateTimes(obj)...)
	errs = append(errs, s.validateReservedMeta(ctx, obj, nil)...)
	if s.kind.ValidateChanged != nil {
		errs = append(errs, s.kind.ValidateChanged(obj, nil)...)
	}
	return validation.Capped(errs)
}

func (s *strategy) validateTenancy(obj, old runtime.Object) field.ErrorList {
	if s.tenancy == nil || s.kind.ValidateTenancy == nil {
		return nil
	}
	return s.kind.ValidateTenancy(s.tenancy, obj, old)
}

func (s *strategy) WarningsOnCreate(context.Context, runtime.Object) []string { return nil }

func (s *strategy) AllowCreateOnUpdate(context.Context) bool { return false }

func (s *strategy) AllowUnconditionalUpdate(context.Context) bool { return true }

func (s *strategy) Canonicalize(runtime.Object) {}

// ValidateUpdate ratchets the size limits: a field left as it was is not held to a limit
// tightened after it was stored (validation.Ratchet).
func (s *strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	errs := validation.Ratchet(s.kind.Validate(obj), s.kind.Validate(old))
	errs = append(errs, s.validateTenancy(obj, old)...)
	errs = append(errs, validation.ValidateTimes(obj)...)
	errs = append(errs, s.validateReservedMeta(ctx, obj, old)...)
	if s.kind.ValidateUpdate != nil {
		errs = append(errs, s.kind.ValidateUpdate(obj, old)...)
	}
	if s.kind.ValidateChanged != nil {
		errs = append(errs, s.kind.ValidateChanged(obj, old)...)
	}
	if s.kind.HasID() {
		errs = append(errs, validation.ValidateImmutable(*s.kind.ID(obj), *s.kind.ID(old), s.kind.IDPath)...)
	}
	return validation.Capped(errs)
}

func (s *strategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}

// GetResetFields tells server-side apply which fields this endpoint never changes.
func (s *strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	if s.kind.Status == nil {
		return nil
	}
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(s.apiVersion): fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// statusStrategy is the strategy of the status subresource: only status may change.
type statusStrategy struct {
	*strategy
}

func (s statusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	copyField(obj, old, "Spec")
	keepStoredJSON(obj, old, "Status")
	if s.kind.Status.PrepareForUpdate != nil {
		s.kind.Status.PrepareForUpdate(ctx, obj, old)
	}
	// Metadata belongs to the main endpoint, as for built-in kinds (metav1.ResetObjectMetaForStatus:
	// labels, annotations, finalizers, owner references, deletion timestamp, generation). Rights
	// on the status subresource are often granted more widely than on the object: finalizers
	// and owner references kept here would let such a holder drop a finalizer the main
	// endpoint guards (pkg/registry/finalizers) or re-parent the object for garbage collection.
	metav1.ResetObjectMetaForStatus(mustAccessor(obj), mustAccessor(old))
}

func (s statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	errs := validation.Ratchet(s.kind.Status.ValidateStatus(obj), s.kind.Status.ValidateStatus(old))
	// Times anywhere in the object, as the main endpoint checks them: storage must read it back.
	return validation.Capped(append(errs, validation.ValidateTimes(obj)...))
}

func (s statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(s.apiVersion): fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
			fieldpath.MakePathOrDie("metadata", "finalizers"),
			fieldpath.MakePathOrDie("metadata", "ownerReferences"),
		),
	}
}

func mustAccessor(obj runtime.Object) metav1.Object {
	m, err := meta.Accessor(obj)
	if err != nil {
		panic(err) // every kind registered here embeds ObjectMeta
	}
	return m
}

func bumpGenerationOnCreate(obj runtime.Object) {
	mustAccessor(obj).SetGeneration(1)
}

// bumpGenerationOnSpecChange follows the Kubernetes convention that metadata.generation
// counts changes of desired state, so controllers can tell what they have observed.
func bumpGenerationOnSpecChange(obj, old runtime.Object) {
	n, o := mustAccessor(obj), mustAccessor(old)
	n.SetGeneration(o.GetGeneration())
	if !equality.Semantic.DeepEqual(fieldOf(obj, "Spec"), fieldOf(old, "Spec")) {
		n.SetGeneration(o.GetGeneration() + 1)
	}
}
