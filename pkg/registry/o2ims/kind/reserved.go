package kind

import (
	"context"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// reservedLabels and reservedAnnotations are the keys netweave's syncs mark the objects they
// own with, and read back to decide which objects are theirs and where they came from
// (pkg/inventory, pkg/provisioning/templates). They are functions, not variables, so that no
// caller can change the list.
func reservedLabels() []string {
	return []string{v1alpha1.LabelManagedBy, v1alpha1.LabelCluster, v1alpha1.LabelTenant, v1alpha1.LabelClusterClass}
}

func reservedAnnotations() []string { return []string{v1alpha1.AnnotationSource} }

// validateReservedMeta refuses a write (old is nil on create) that sets, changes or removes a
// reserved label or annotation in a tenant's namespace, unless a cluster superuser (netweave's
// own loopback client, and so its syncs) makes it. The syncs place objects in tenants'
// namespaces (a Node's Resource where a node pool namespace's pool claims it) and own exactly
// those carrying their labels: a tenant who removed one would keep, out of the sync's reach, an
// object holding the id the sync derived; one who added one would have its object taken for the
// sync's. In the inventory namespace the operator decides, as with ids (Tenancy.mayChooseID).
func (s *strategy) validateReservedMeta(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	if s.tenancy == nil || !s.kind.Namespaced || Superuser(ctx) {
		return nil
	}
	ns := namespaceOf(ctx, obj)
	if ns == s.tenancy.InventoryNamespace() {
		return nil
	}
	n, err := metaAccessor(obj)
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("metadata"), fmt.Errorf("check reserved labels: %w", err))}
	}
	var oldLabels, oldAnnotations map[string]string
	var oldFinalizers []string
	if old != nil {
		o, err := metaAccessor(old)
		if err != nil {
			return field.ErrorList{field.InternalError(field.NewPath("metadata"), fmt.Errorf("check reserved labels: %w", err))}
		}
		oldLabels, oldAnnotations, oldFinalizers = o.Labels, o.Annotations, o.Finalizers
	}
	detail := fmt.Sprintf("set and removed by netweave only: outside the inventory namespace %s it marks what netweave's sync owns", s.tenancy.InventoryNamespace())
	errs := changedKeys(field.NewPath("metadata", "labels"), reservedLabels(), n.Labels, oldLabels, detail)
	errs = append(errs, changedKeys(field.NewPath("metadata", "annotations"), reservedAnnotations(), n.Annotations, oldAnnotations, detail)...)
	if _, synced := oldLabels[v1alpha1.LabelManagedBy]; synced {
		errs = append(errs, addedFinalizers(n.Finalizers, oldFinalizers, s.tenancy.InventoryNamespace())...)
	}
	return errs
}

// addedFinalizers is a Forbidden error for each finalizer of now that was not there before, on
// an object a sync owns in a tenant's namespace. A finalizer there would let the tenant keep
// the object, and the id the sync derived for it (ids are unique across namespaces), past the
// sync's delete: when the Node moved to another namespace's pool, its Resource could be created
// there no more, for as long as the tenant liked. Finalizers already there (the operator's, a
// backup tool's) stay, and the tenant may remove its own as before.
func addedFinalizers(now, before []string, inventoryNamespace string) field.ErrorList {
	var errs field.ErrorList
	for i, f := range now {
		if !slices.Contains(before, f) {
			errs = append(errs, field.Forbidden(field.NewPath("metadata", "finalizers").Index(i),
				fmt.Sprintf("netweave's sync owns this object: outside the inventory namespace %s only netweave adds finalizers to it", inventoryNamespace)))
		}
	}
	return errs
}

// changedKeys is a Forbidden error for each of keys whose presence or value differs between
// now and before.
func changedKeys(path *field.Path, keys []string, now, before map[string]string, detail string) field.ErrorList {
	var errs field.ErrorList
	for _, k := range keys {
		v, ok := now[k]
		w, had := before[k]
		if ok != had || v != w {
			errs = append(errs, field.Forbidden(path.Key(k), detail))
		}
	}
	return errs
}
