package inventory

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/component-base/metrics"
	"k8s.io/klog/v2"
)

// object is an O2 API object as the generated clients hand it out (a pointer).
type object interface {
	metav1.Object
	runtime.Object
}

// kindOps are the operations the controller needs on one O2 kind.
type kindOps[T object] struct {
	resource string
	list     func() ([]T, error)
	get      func(ctx context.Context, namespace, name string) (T, error)
	create   func(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	update   func(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
	delete   func(ctx context.Context, namespace, name string, opts metav1.DeleteOptions) error
	id       func(T) string
	spec     func(T) any
	// status and setStatus/updateStatus are set for kinds whose status the controller writes.
	status       func(T) any
	setStatus    func(dst, src T)
	updateStatus func(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
	// keepStatus, when set, carries into the desired object (a copy) what its status keeps of
	// the stored one: the lastTransitionTime of a condition whose status did not change.
	keepStatus func(desired, live T)
}

// writer performs writes as the controller's field manager and counts them in writes (by
// resource and verb) when set.
type writer struct {
	fieldManager string
	writes       *metrics.CounterVec
	// owner decides which managed objects the writer may change; the zero value owns the
	// objects of the cluster netweave runs in.
	owner Owner
}

func (w writer) count(resource, verb string) {
	if w.writes != nil {
		w.writes.WithLabelValues(resource, verb).Inc()
	}
}

func keyOf(obj metav1.Object) types.NamespacedName {
	return types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

func deepCopy[T object](obj T) T { return obj.DeepCopyObject().(T) }

// syncKind makes the managed objects of one kind equal desired: objects that are not desired
// any more (or whose immutable id changed) are deleted first, so their ids are free again,
// then the rest is created or updated. Objects admins own are never written, and an object
// whose new name one of theirs holds is not moved: deleting it first would lose it.
func syncKind[T object](ctx context.Context, w writer, ops kindOps[T], desired, existing []T) error {
	want := make(map[types.NamespacedName]T, len(desired))
	var errs []error
	for _, d := range desired {
		k := keyOf(d)
		prev, dup := want[k]
		if !dup {
			want[k] = d
			continue
		}
		// Two sources want one object name (MachineDeployments team-a/workers and
		// team/a-workers both make pool md-team-a-workers): the smaller O2 id keeps it, so the
		// sync settles instead of replacing one with the other on every pass, and the other is
		// reported.
		kept, dropped := prev, d
		if ops.id(d) < ops.id(prev) {
			kept, dropped = d, prev
			want[k] = d
		}
		errs = append(errs, objectError(k, fmt.Errorf("%s %s is wanted by two sources (O2 ids %s and %s): only %s is synced",
			ops.resource, klog.KObj(d), ops.id(kept), ops.id(dropped), ops.id(kept))))
	}
	byID := make(map[string]T, len(want))
	for _, d := range want {
		byID[ops.id(d)] = d
	}
	have := make(map[types.NamespacedName]T, len(existing))
	// blocked are the desired objects whose name an object the sync does not own holds: the
	// object they would move from is kept, rather than deleted for a create that fails.
	blocked := map[types.NamespacedName]bool{}
	for _, e := range existing {
		if !w.owner.Owns(e) {
			continue
		}
		d, ok := want[keyOf(e)]
		if ok && ops.id(d) == ops.id(e) {
			have[keyOf(e)] = e
			continue
		}
		if to, moving := byID[ops.id(e)]; !ok && moving && ops.id(e) != "" {
			if taken, err := takenByOther(ctx, w, ops, to); err != nil || taken {
				blocked[keyOf(to)] = true
				if err == nil {
					err = fmt.Errorf("%s %s %w; %s stays where it is", ops.resource, klog.KObj(to), errNotManaged, klog.KObj(e))
				}
				errs = append(errs, objectError(keyOf(to), err))
				continue
			}
		}
		if err := deleteObject(ctx, w, ops, e); err != nil {
			errs = append(errs, objectError(keyOf(e), err))
		}
	}
	for _, d := range desired {
		if ops.id(want[keyOf(d)]) != ops.id(d) || blocked[keyOf(d)] {
			continue // the other source's (above), or a move that cannot be made
		}
		e, ok := have[keyOf(d)]
		var cur *T
		if ok {
			cur = &e
		}
		if err := ensure(ctx, w, ops, d, cur); err != nil {
			errs = append(errs, objectError(keyOf(d), err))
		}
	}
	return errors.Join(errs...)
}

// ObjectError is the failure of a sync about one object: the error of a sync joins one for each
// object it could not write, so that a caller whose one pass covers several namespaces can tell
// whose each failure is (errors.As on each of the joined errors), and keep one tenant's refusal
// from failing the others' pass.
type ObjectError struct {
	// Object is the object the failed write was about.
	Object types.NamespacedName
	Err    error
}

func (e *ObjectError) Error() string { return e.Err.Error() }
func (e *ObjectError) Unwrap() error { return e.Err }

func objectError(k types.NamespacedName, err error) error { return &ObjectError{Object: k, Err: err} }

// Refused reports whether err refuses the write of an object for a reason that retrying
// does not change until someone changes something else: its name held by an object the sync
// does not own, the namespace's quota, an admission policy or webhook, validation. A store
// that is down or a conflict is not a refusal.
func Refused(err error) bool {
	return errors.Is(err, errNotManaged) || apierrors.IsForbidden(err) || apierrors.IsInvalid(err) ||
		apierrors.IsBadRequest(err) || apierrors.IsRequestEntityTooLargeError(err)
}

// takenByOther reports whether an object the writer does not own holds the name of d.
func takenByOther[T object](ctx context.Context, w writer, ops kindOps[T], d T) (bool, error) {
	live, err := ops.get(ctx, d.GetNamespace(), d.GetName())
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get %s %s: %w", ops.resource, klog.KObj(d), err)
	}
	return !w.owner.Owns(live), nil
}

func deleteObject[T object](ctx context.Context, w writer, ops kindOps[T], e T) error {
	if e.GetDeletionTimestamp() != nil {
		// Already being deleted, held by someone's finalizer: deleting again changes nothing.
		return nil
	}
	uid := e.GetUID()
	err := ops.delete(ctx, e.GetNamespace(), e.GetName(), metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if apierrors.IsNotFound(err) {
		// Already gone (someone else deleted it, or the cache was behind): nothing written.
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", ops.resource, klog.KObj(e), err)
	}
	w.count(ops.resource, "delete")
	klog.V(2).InfoS("Deleted synced object", "resource", ops.resource, "object", klog.KObj(e))
	return nil
}

// errNotManaged is returned when an admin's object holds the name a synced object needs.
var errNotManaged = errors.New("exists and is not managed by this inventory sync (an admin's, or another cluster's); leaving it alone")

// ensure creates or updates one desired object; cur is the cached object with the same name.
func ensure[T object](ctx context.Context, w writer, ops kindOps[T], d T, cur *T) error {
	var obj T
	switch {
	case cur == nil:
		created, err := ops.create(ctx, d, metav1.CreateOptions{FieldManager: w.fieldManager})
		if apierrors.IsAlreadyExists(err) {
			// The cache is behind our own earlier write, or an admin owns the name.
			live, getErr := ops.get(ctx, d.GetNamespace(), d.GetName())
			if getErr != nil {
				return fmt.Errorf("get %s %s: %w", ops.resource, klog.KObj(d), getErr)
			}
			if !w.owner.Owns(live) {
				return fmt.Errorf("%s %s %w", ops.resource, klog.KObj(d), errNotManaged)
			}
			if ops.id(live) != ops.id(d) {
				if err := deleteObject(ctx, w, ops, live); err != nil {
					return err
				}
				return fmt.Errorf("%s %s had another id; deleted, will be created again", ops.resource, klog.KObj(d))
			}
			return ensure(ctx, w, ops, d, &live)
		}
		if err != nil {
			return fmt.Errorf("create %s %s: %w", ops.resource, klog.KObj(d), err)
		}
		w.count(ops.resource, "create")
		klog.V(2).InfoS("Created synced object", "resource", ops.resource, "object", klog.KObj(d), "id", ops.id(d))
		obj = created
	default:
		obj = *cur
		if !sameJSON(ops.spec(d), ops.spec(obj)) || !sameOwnedKeys(d.GetLabels(), obj.GetLabels()) || !sameOwnedKeys(d.GetAnnotations(), obj.GetAnnotations()) {
			u := deepCopy(d)
			keepOthersMeta(u, obj)
			updated, err := ops.update(ctx, u, metav1.UpdateOptions{FieldManager: w.fieldManager})
			if apierrors.IsNotFound(err) {
				return recreate(ctx, w, ops, d)
			}
			if err != nil {
				return fmt.Errorf("update %s %s: %w", ops.resource, klog.KObj(d), err)
			}
			w.count(ops.resource, "update")
			klog.V(3).InfoS("Updated synced object", "resource", ops.resource, "object", klog.KObj(d))
			obj = updated
		}
	}
	if ops.status == nil {
		return nil
	}
	if ops.keepStatus != nil {
		d = deepCopy(d)
		ops.keepStatus(d, obj)
	}
	if sameJSON(ops.status(d), ops.status(obj)) {
		return nil
	}
	u := deepCopy(obj)
	ops.setStatus(u, d)
	_, err := ops.updateStatus(ctx, u, metav1.UpdateOptions{FieldManager: w.fieldManager})
	if apierrors.IsNotFound(err) && cur != nil {
		return recreate(ctx, w, ops, d)
	}
	if err != nil {
		return fmt.Errorf("update status of %s %s: %w", ops.resource, klog.KObj(d), err)
	}
	w.count(ops.resource, "update-status")
	return nil
}

// recreate creates d after an update found the cached object gone: deleted
// meanwhile, or the store was wiped and the cache has not relisted yet.
// Waiting for the cache instead would keep the object missing until then,
// or forever if this sync is what the cache waits for.
func recreate[T object](ctx context.Context, w writer, ops kindOps[T], d T) error {
	klog.V(2).InfoS("Synced object vanished from the store; creating it again", "resource", ops.resource, "object", klog.KObj(d))
	return ensure(ctx, w, ops, d, nil)
}
