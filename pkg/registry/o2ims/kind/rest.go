package kind

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/netweave-io/netweave/pkg/fieldvalue"
)

// Category groups every O2 kind so `kubectl get o2ims` lists the whole inventory.
const Category = "o2ims"

// REST is the main endpoint of a kind.
type REST struct {
	*genericregistry.Store
	shortNames []string
	category   string
}

var (
	_ rest.ShortNamesProvider   = &REST{}
	_ rest.CategoriesProvider   = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

// ShortNames implements rest.ShortNamesProvider.
func (r *REST) ShortNames() []string { return r.shortNames }

// Categories implements rest.CategoriesProvider.
func (r *REST) Categories() []string { return []string{r.category} }

// Update implements rest.Updater; see PatchErrorsAsBadRequest.
func (r *REST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	return r.Store.Update(ctx, name, PatchErrorsAsBadRequest(objInfo), createValidation, updateValidation, forceAllowCreate, options)
}

// PatchErrorsAsBadRequest makes a PATCH whose document cannot be applied to the stored object
// a 400, not a 500. The generic handler passes strategic merge failures through as they are
// (plain errors, answered 500 Internal Server Error), and a strategic merge patch fails on
// every free-form value of these kinds (an NfDeployment's spec.values, O2 extensions): it
// looks each key of a nested object up as a Go struct field. `kubectl patch` sends strategic
// merge patches by default, and so does `kubectl apply` for a kind whose OpenAPI it reads.
// Errors that are already API statuses (validation, conflicts, not found) are kept. The advice
// to use another patch type is given for a strategic merge patch only (WithPatchType).
func PatchErrorsAsBadRequest(objInfo rest.UpdatedObjectInfo) rest.UpdatedObjectInfo {
	return patchErrors{objInfo}
}

type patchErrors struct{ rest.UpdatedObjectInfo }

// UpdatedObject implements rest.UpdatedObjectInfo.
func (p patchErrors) UpdatedObject(ctx context.Context, old runtime.Object) (runtime.Object, error) {
	obj, err := p.UpdatedObjectInfo.UpdatedObject(ctx, old)
	if err == nil {
		return obj, nil
	}
	var status apierrors.APIStatus
	if info, ok := genericapirequest.RequestInfoFrom(ctx); !ok || info.Verb != "patch" || errors.As(err, &status) {
		return obj, err
	}
	if patchTypeFrom(ctx) != types.StrategicMergePatchType {
		// A server-side apply naming a field the kind does not declare, say: the error names
		// it, and advice about strategic merge would mislead.
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the patch cannot be applied: %v", err))
	}
	return nil, apierrors.NewBadRequest(fmt.Sprintf("the patch cannot be applied: %v; "+
		"free-form values (spec.values, extensions, schemas) are not merged by a strategic merge patch: "+
		"use a JSON merge patch (kubectl patch --type=merge) or a JSON patch (--type=json)", err))
}

// StatusREST is the status subresource of a kind whose status a controller owns.
type StatusREST struct {
	store *genericregistry.Store
	// serverOnly refuses status writes from anyone but the server's own controllers.
	serverOnly bool
}

var (
	_ rest.Patcher              = &StatusREST{}
	_ rest.SingularNameProvider = &StatusREST{}
	_ rest.ResetFieldsStrategy  = statusStrategy{}
)

// New implements rest.Storage.
func (r *StatusREST) New() runtime.Object { return r.store.New() }

// Destroy implements rest.Storage; the main endpoint owns the store.
func (r *StatusREST) Destroy() {}

// GetSingularName implements rest.SingularNameProvider.
func (r *StatusREST) GetSingularName() string { return r.store.GetSingularName() }

// Get retrieves the object, for patches of the status.
func (r *StatusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

// Update changes only the status of the object.
func (r *StatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	if r.serverOnly && !Superuser(ctx) {
		return nil, false, apierrors.NewForbidden(r.store.DefaultQualifiedResource, name,
			fmt.Errorf("the status is written by netweave's controller only, whatever RBAC grants"))
	}
	// Creating through the status endpoint would create an object with no spec.
	return r.store.Update(ctx, name, PatchErrorsAsBadRequest(objInfo), createValidation, updateValidation, false, options)
}

// GetResetFields implements rest.ResetFieldsStrategy.
func (r *StatusREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

// UpdateStrategy is the strategy the status endpoint updates with: what tests drive without a
// storage backend, as the main endpoint's is its embedded Store's.
func (r *StatusREST) UpdateStrategy() rest.RESTUpdateStrategy { return r.store.UpdateStrategy }

// ConvertToTable implements rest.TableConvertor.
func (r *StatusREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.store.ConvertToTable(ctx, object, tableOptions)
}

// NewREST builds the storage of a kind held to no tenant boundary; the status storage is nil
// when the kind has no status subresource.
func NewREST(k *Kind, scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (*REST, *StatusREST, error) {
	return NewRESTWithTenancy(k, scheme, optsGetter, nil)
}

// StoreCheck is a check of a kind's writes that wraps its store's hooks (storehook.Check,
// secretref.Rule, finalizers.Rule).
type StoreCheck interface {
	Install(store *genericregistry.Store)
}

// NewRESTWithTenancy builds the storage of a kind whose writes are held to the tenant boundary
// t, and makes the kind's O2 ids resolvable for t's reference checks. checks are installed on
// the main endpoint's store, in order, each before the hooks installed so far.
func NewRESTWithTenancy(k *Kind, scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *Tenancy, checks ...StoreCheck) (*REST, *StatusREST, error) {
	strat := newStrategy(scheme, k, k.groupVersion().String(), t)
	store := &genericregistry.Store{
		NewFunc:                   k.NewFunc,
		NewListFunc:               k.NewListFunc,
		PredicateFunc:             k.matcher,
		DefaultQualifiedResource:  k.Qualified(k.Resource),
		SingularQualifiedResource: k.Qualified(k.Singular),

		CreateStrategy:      strat,
		UpdateStrategy:      strat,
		DeleteStrategy:      strat,
		ResetFieldsStrategy: strat,

		TableConvertor: newTableConvertor(k),
	}
	opts := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: k.attrs}
	if k.HasID() {
		opts.RESTOptions = uniqueIDOptions{optsGetter, k.IDIndex()}
	}
	if err := store.CompleteWithOptions(opts); err != nil {
		return nil, nil, fmt.Errorf("complete %s storage: %w", k.Resource, err)
	}
	store.BeginCreate = k.beginCreate(store, strat)
	store.BeginUpdate = k.beginUpdate(strat)
	if t != nil {
		t.register(k, store)
	}
	main := &REST{Store: store, shortNames: k.ShortNames, category: k.category()}
	for _, c := range checks {
		c.Install(store)
	}
	if k.Status == nil {
		return main, nil, nil
	}
	statusStore := *store
	// The status endpoint keeps the spec as stored: no reference can change there.
	statusStore.BeginUpdate = nil
	status := statusStrategy{strat}
	statusStore.UpdateStrategy = status
	statusStore.ResetFieldsStrategy = status
	return main, &StatusREST{store: &statusStore, serverOnly: k.Status.ServerOnly}, nil
}

// attrs returns the labels and the selectable fields of an object.
func (k *Kind) attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	accessor, err := metaAccessor(obj)
	if err != nil {
		return nil, nil, err
	}
	set := generic.ObjectMetaFieldsSet(accessor, k.Namespaced)
	for _, f := range k.selectableFields() {
		v, err := fieldvalue.Value(obj, f)
		if err != nil {
			return nil, nil, fmt.Errorf("field set of %s: %w", k.KindName, err)
		}
		set[f] = v
	}
	return labels.Set(accessor.GetLabels()), set, nil
}

func (k *Kind) matcher(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: k.attrs}
}

func metaAccessor(obj runtime.Object) (*metav1.ObjectMeta, error) {
	v, ok := obj.(metav1.ObjectMetaAccessor)
	if !ok {
		return nil, fmt.Errorf("%T has no ObjectMeta", obj)
	}
	return v.GetObjectMeta().(*metav1.ObjectMeta), nil
}

// Fields returns the field set field selectors are matched against.
func (k *Kind) Fields(obj runtime.Object) (fields.Set, error) {
	_, set, err := k.attrs(obj)
	return set, err
}
