package kind

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/util/dryrun"

	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// uniqueLookup is implemented by netweave's storage (the cache over the Redis store).
type uniqueLookup interface {
	KeyForUniqueValue(ctx context.Context, value string) (key string, found bool, err error)
}

func finishNothing(context.Context, bool) {}

// beginCreate runs before the strategy (BeforeCreate) on every create, dry-run or not, so both
// answer alike:
//
//  1. A create that names its O2 id is refused where the server assigns ids (ServerAssignsIDs
//     everywhere; ServerAssignsTenantIDs outside the inventory namespace, see Tenancy): a
//     tenant never reaches a check that could tell whether the id is held elsewhere.
//  2. An object the strategy would refuse is left to BeforeCreate to refuse, as a real create
//     validates before anything is looked up.
//  3. The object's references must resolve in its namespace or the inventory namespace, and
//     the kind's Admit must accept it (checks against other objects, for every caller).
//  4. A dry-run create of an id another object holds is 409, as the store's write script
//     answers a real one: dry-run storage never reaches that script, so
//     `kubectl apply --dry-run=server` would otherwise promise a create that then fails.
func (k *Kind) beginCreate(store *registry.Store, strat *strategy) registry.BeginCreateFunc {
	t := strat.tenancy
	return func(ctx context.Context, obj runtime.Object, options *metav1.CreateOptions) (registry.FinishFunc, error) {
		dryRun := options != nil && dryrun.IsDryRun(options.DryRun)
		var id string
		if k.HasID() {
			id = *k.ID(obj)
		}
		ns := namespaceOf(ctx, obj)
		if k.ServerAssignsIDs && id != "" && !Superuser(ctx) {
			return nil, k.invalid(obj, field.ErrorList{field.Forbidden(k.IDPath, "must be empty: the server assigns the ids of "+k.Resource)})
		}
		if t != nil && k.ServerAssignsTenantIDs && id != "" && !t.mayChooseID(ctx, ns) {
			return nil, k.invalid(obj, field.ErrorList{t.chosenIDForbidden(k.IDPath)})
		}
		checkRefs := t != nil && k.Refs != nil && !Superuser(ctx)
		checkHeld := dryRun && id != ""
		admit := t != nil && k.Admit != nil
		if !checkRefs && !checkHeld && !admit {
			return finishNothing, nil
		}
		prepared := obj.DeepCopyObject()
		strat.PrepareForCreate(ctx, prepared)
		if errs := strat.Validate(ctx, prepared); len(errs) > 0 {
			return finishNothing, nil
		}
		if checkRefs {
			errs, err := t.checkRefs(ctx, ns, k.Refs(obj))
			if err != nil {
				return nil, err
			}
			if len(errs) > 0 {
				return nil, k.invalid(obj, errs)
			}
		}
		if admit {
			errs, err := k.Admit(ctx, t, ns, prepared, nil)
			if err != nil {
				return nil, err
			}
			if len(errs) > 0 {
				return nil, k.invalid(obj, errs)
			}
		}
		if checkHeld {
			if err := k.checkIDFree(ctx, store, obj, id); err != nil {
				return nil, err
			}
		}
		return finishNothing, nil
	}
}

// beginUpdate resolves the references an update adds (Tenancy) and runs the kind's Admit,
// dry-run or not, once the strategy would accept the update.
func (k *Kind) beginUpdate(strat *strategy) registry.BeginUpdateFunc {
	t := strat.tenancy
	return func(ctx context.Context, obj, old runtime.Object, _ *metav1.UpdateOptions) (registry.FinishFunc, error) {
		if t == nil {
			return finishNothing, nil
		}
		var refs []Ref
		if k.Refs != nil && !Superuser(ctx) {
			refs = changedRefs(k.Refs, obj, old)
		}
		if len(refs) == 0 && k.Admit == nil {
			return finishNothing, nil
		}
		prepared := obj.DeepCopyObject()
		strat.PrepareForUpdate(ctx, prepared, old)
		if errs := strat.ValidateUpdate(ctx, prepared, old); len(errs) > 0 {
			return finishNothing, nil
		}
		ns := namespaceOf(ctx, obj)
		errs, err := t.checkRefs(ctx, ns, refs)
		if err != nil {
			return nil, err
		}
		if k.Admit != nil {
			more, err := k.Admit(ctx, t, ns, prepared, old)
			if err != nil {
				return nil, err
			}
			errs = append(errs, more...)
		}
		if len(errs) > 0 {
			return nil, k.invalid(obj, errs)
		}
		return finishNothing, nil
	}
}

// checkIDFree answers 409 when another object holds id.
func (k *Kind) checkIDFree(ctx context.Context, store *registry.Store, obj runtime.Object, id string) error {
	lookup, ok := store.Storage.Storage.(uniqueLookup)
	if !ok {
		return nil
	}
	_, held, err := lookup.KeyForUniqueValue(ctx, id)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("check %s %s: %w", k.IDPath, id, err))
	}
	if held {
		idx := k.IDIndex()
		return apierrors.NewConflict(k.Qualified(k.Resource), nameOf(obj), errors.New(idx.ConflictMessage(id)))
	}
	return nil
}

// invalid is the 422 of errs, shaped (and bounded, validation.Capped) as the strategy's own
// validation errors are: references and admission checks can fail once per list item too.
func (k *Kind) invalid(obj runtime.Object, errs field.ErrorList) error {
	return apierrors.NewInvalid(schema.GroupKind{Group: k.groupVersion().Group, Kind: k.KindName}, nameOf(obj), validation.Capped(errs))
}

func nameOf(obj runtime.Object) string {
	if m, err := metaAccessor(obj); err == nil {
		return m.GetName()
	}
	return ""
}
