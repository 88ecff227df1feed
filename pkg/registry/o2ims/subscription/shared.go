package subscription

import (
	"context"
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// REST is the storage of a subscription kind. In the shared subscription namespace (where the
// default apiRoot's subscriptions of every SMO live) it applies the owner rule of pkg/tenancy
// on the Kubernetes face too: a caller gets, lists, watches, updates and deletes only its own
// subscriptions there unless it holds the manage-others verb on the kind. Others'
// subscriptions answer 404, exactly like absent ones, so names and callbacks cannot be probed.
type REST struct {
	*kind.REST
	kind   *Kind
	authz  authorizer.Authorizer
	shared string
	// namespaces tells whether shared is being deleted; nil when the server has no namespace
	// informer.
	namespaces corelisters.NamespaceLister
	// perNamespace caps the subscriptions of the kind per namespace (per owner in shared);
	// 0 leaves them uncapped (quota.go).
	perNamespace int
}

// Rules are the server-wide rules every subscription kind is held to.
type Rules struct {
	// Authorizer decides the manage-others verb and whether a subscription's creator may read
	// the signing Secret it names (signingsecret.go). Required.
	Authorizer authorizer.Authorizer
	// SharedNamespace is the subscription namespace of the default apiRoot.
	SharedNamespace string
	// PerNamespace caps the subscriptions of each kind in a namespace, and of each owner in
	// SharedNamespace (quota.go); 0 leaves them uncapped.
	PerNamespace int
	// Namespaces tells whether SharedNamespace is being deleted (DeleteCollection); nil refuses
	// deletecollection there without manage-others even then.
	Namespaces corelisters.NamespaceLister
}

// NewREST returns the storage of the subscription kind k and of its status.
func NewREST(k *Kind, scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, rules Rules) (*REST, *StatusREST, error) {
	if rules.Authorizer == nil {
		return nil, nil, fmt.Errorf("%s need an authorizer", k.Resource)
	}
	main, status, err := kind.NewREST(k.RegistryKind(), scheme, optsGetter)
	if err != nil {
		return nil, nil, err
	}
	// The status endpoint keeps the hooks it was built with: it cannot change the spec.
	k.withSigningSecretCheck(main.Store, rules.Authorizer)
	k.withRedirectCheck(main.Store, rules.Authorizer)
	r := &REST{REST: main, kind: k, authz: rules.Authorizer, shared: rules.SharedNamespace, perNamespace: rules.PerNamespace,
		namespaces: rules.Namespaces}
	r.withQuota(main.Store)
	return r, &StatusREST{StatusREST: status, owner: r}, nil
}

// StatusREST is the status endpoint, under the same owner rule as the main one: in the shared
// namespace a caller can neither read nor overwrite the delivery status of another SMO's
// subscription (the notifier, a cluster superuser, holds manage-others).
type StatusREST struct {
	*kind.StatusREST
	owner *REST
}

// Get implements rest.Getter.
func (s *StatusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return s.owner.Get(ctx, name, options)
}

// Update implements rest.Updater.
func (s *StatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	objInfo, err := s.owner.owned(ctx, name, objInfo)
	if err != nil {
		return nil, false, err
	}
	return s.StatusREST.Update(ctx, name, objInfo, createValidation, updateValidation, forceAllowCreate, options)
}

// filter returns a function that reports whether the caller may see a subscription, or nil when
// it may see them all (outside the shared namespace, or with manage-others).
func (r *REST) filter(ctx context.Context) (func(runtime.Object) bool, error) {
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	if ns != "" && ns != r.shared {
		return nil, nil
	}
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return nil, apierrors.NewForbidden(r.kind.Qualified(r.kind.Resource), "", fmt.Errorf("no user"))
	}
	all, err := tenancy.MayManageOthers(ctx, r.authz, u, r.kind.Qualified("").Group, r.kind.Resource, r.shared)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	if all {
		return nil, nil
	}
	return func(obj runtime.Object) bool {
		if m, err := meta.Accessor(obj); err != nil || m.GetNamespace() != r.shared {
			return err == nil
		}
		o := *r.kind.Subscriber(obj)
		return o != nil && tenancy.Owns(u, o.Username, o.UID)
	}, nil
}

// check returns NotFound when the named subscription exists but is not the caller's to see.
func (r *REST) check(ctx context.Context, name string, sees func(runtime.Object) bool) error {
	obj, err := r.REST.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return err
	}
	if !sees(obj) {
		return apierrors.NewNotFound(r.kind.Qualified(r.kind.Resource), name)
	}
	return nil
}

// Get implements rest.Getter.
func (r *REST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	sees, err := r.filter(ctx)
	if err != nil {
		return nil, err
	}
	obj, err := r.REST.Get(ctx, name, options)
	if err != nil {
		return nil, err
	}
	if sees != nil && !sees(obj) {
		return nil, apierrors.NewNotFound(r.kind.Qualified(r.kind.Resource), name)
	}
	return obj, nil
}

// List implements rest.Lister. Items of others are dropped. A paged list reads on until its
// page holds limit items the caller may see (or the list ends), and its continue token starts
// right after the last item served: the store's own token names the last item it read, which
// may be another SMO's hidden subscription, and following the tokens would walk the names of
// all of them (regression: TestRegressionContinueTokenNamesNoHiddenSubscription).
func (r *REST) List(ctx context.Context, options *metainternalversion.ListOptions) (runtime.Object, error) {
	sees, err := r.filter(ctx)
	if err != nil {
		return nil, err
	}
	if sees == nil {
		return r.REST.List(ctx, options)
	}
	var (
		out  runtime.Object
		kept []runtime.Object
		opts = options
	)
	for {
		page, err := r.REST.List(ctx, opts)
		if err != nil {
			return nil, err
		}
		items, err := meta.ExtractList(page)
		if err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("filter %s: %w", r.kind.Resource, err))
		}
		for _, item := range items {
			if sees(item) {
				kept = append(kept, item)
			}
		}
		if out == nil {
			out = page
		}
		l, err := meta.ListAccessor(page)
		if err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("filter %s: %w", r.kind.Resource, err))
		}
		next := l.GetContinue()
		if next == "" || options.Limit <= 0 || int64(len(kept)) >= options.Limit {
			if err := r.finishPage(ctx, out, kept, options.Limit, next, l.GetResourceVersion()); err != nil {
				return nil, err
			}
			return out, nil
		}
		// The next page as of the same revision (the token carries it), read in pages of at
		// least sharedListChunk so that few visible items among many hidden ones cost few reads.
		opts = options.DeepCopy()
		opts.Continue, opts.ResourceVersion, opts.ResourceVersionMatch = next, "", ""
		opts.Limit = max(options.Limit, sharedListChunk)
	}
}

// sharedListChunk is the page size a filtered list reads past the first page with.
const sharedListChunk = 500

// finishPage puts the first limit items of kept in out (all of them when limit is 0) and sets
// its continue token: one that starts right after the last item served, at revision rv (the
// list's), when more items may follow it (kept beyond limit, or the store has more, next);
// none otherwise.
func (r *REST) finishPage(ctx context.Context, out runtime.Object, kept []runtime.Object, limit int64, next, rv string) error {
	l, err := meta.ListAccessor(out)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("filter %s: %w", r.kind.Resource, err))
	}
	// The remaining count would reveal how many subscriptions others hold.
	l.SetRemainingItemCount(nil)
	cont := ""
	if limit > 0 && (int64(len(kept)) > limit || int64(len(kept)) == limit && next != "") {
		kept = kept[:limit]
		if cont, err = r.continueAfter(ctx, kept[limit-1], rv); err != nil {
			return err
		}
	}
	l.SetContinue(cont)
	if err := meta.SetList(out, kept); err != nil {
		return apierrors.NewInternalError(fmt.Errorf("filter %s: %w", r.kind.Resource, err))
	}
	return nil
}

// continueAfter returns the continue token of a list at revision rv that starts right after
// obj: what the store itself writes had obj been the last item it read.
func (r *REST) continueAfter(ctx context.Context, obj runtime.Object, rv string) (string, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return "", apierrors.NewInternalError(fmt.Errorf("page %s: %w", r.kind.Resource, err))
	}
	rev, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || rev <= 0 {
		return "", apierrors.NewInternalError(fmt.Errorf("page %s: list resourceVersion %q", r.kind.Resource, rv))
	}
	root := r.Store.KeyRootFunc(ctx) + "/"
	key, err := r.Store.KeyFunc(genericapirequest.WithNamespace(ctx, m.GetNamespace()), m.GetName())
	if err != nil {
		return "", apierrors.NewInternalError(fmt.Errorf("page %s: %w", r.kind.Resource, err))
	}
	token, err := storage.EncodeContinue(key+"\x00", root, rev)
	if err != nil {
		return "", apierrors.NewInternalError(fmt.Errorf("page %s: %w", r.kind.Resource, err))
	}
	return token, nil
}

// Watch implements rest.Watcher.
func (r *REST) Watch(ctx context.Context, options *metainternalversion.ListOptions) (watch.Interface, error) {
	sees, err := r.filter(ctx)
	if err != nil {
		return nil, err
	}
	w, err := r.REST.Watch(ctx, options)
	if err != nil || sees == nil {
		return w, err
	}
	return watch.Filter(w, func(e watch.Event) (watch.Event, bool) {
		if e.Type == watch.Bookmark || e.Type == watch.Error {
			return e, true
		}
		return e, sees(e.Object)
	}), nil
}

// Update implements rest.Updater. The owner rule is asked of the stored object inside the
// update (ownedUpdate), not by a read before it: a server-side apply that creates is an update
// of nothing (forceAllowCreate), which a read first answered NotFound
// (regression: TestRegressionServerSideApplyCreatesInSharedNamespace); and the object judged is
// the one updated.
func (r *REST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	objInfo, err := r.owned(ctx, name, objInfo)
	if err != nil {
		return nil, false, err
	}
	return r.REST.Update(ctx, name, objInfo, createValidation, updateValidation, forceAllowCreate, options)
}

// owned wraps objInfo so that the update refuses, as NotFound, a stored object the caller may
// not see; objInfo as is when the caller sees them all.
func (r *REST) owned(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo) (rest.UpdatedObjectInfo, error) {
	sees, err := r.filter(ctx)
	if err != nil || sees == nil {
		return objInfo, err
	}
	return ownedUpdate{UpdatedObjectInfo: objInfo, sees: sees, notFound: apierrors.NewNotFound(r.kind.Qualified(r.kind.Resource), name)}, nil
}

// ownedUpdate is an update that applies only to a stored object the caller sees. An object
// not stored yet (no resourceVersion: the store's create-on-update) is the caller's to create.
type ownedUpdate struct {
	rest.UpdatedObjectInfo
	sees     func(runtime.Object) bool
	notFound error
}

// UpdatedObject implements rest.UpdatedObjectInfo.
func (u ownedUpdate) UpdatedObject(ctx context.Context, old runtime.Object) (runtime.Object, error) {
	m, err := meta.Accessor(old)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("check the subscription's owner: %w", err))
	}
	if m.GetResourceVersion() != "" && !u.sees(old) {
		return nil, u.notFound
	}
	return u.UpdatedObjectInfo.UpdatedObject(ctx, old)
}

// Delete implements rest.GracefulDeleter. The owner rule is asked twice: of the object read
// first, so that a caller's preconditions are never compared with (and a conflict never names
// the uid or resourceVersion of) another SMO's subscription; and of the object the store
// deletes, inside the delete, so that a subscription of the same name another SMO created in
// between is left alone (regression: TestRegressionDeleteRacesANamesakeOfAnotherOwner).
func (r *REST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	sees, err := r.filter(ctx)
	if err != nil {
		return nil, false, err
	}
	if sees == nil {
		return r.REST.Delete(ctx, name, deleteValidation, options)
	}
	if err := r.check(ctx, name, sees); err != nil {
		return nil, false, err
	}
	owned := func(ctx context.Context, obj runtime.Object) error {
		if !sees(obj) {
			return apierrors.NewNotFound(r.kind.Qualified(r.kind.Resource), name)
		}
		return deleteValidation(ctx, obj)
	}
	return r.REST.Delete(ctx, name, owned, options)
}

// DeleteCollection implements rest.CollectionDeleter. In the shared namespace (or across all
// namespaces) it needs manage-others: the store deletes what it lists without asking us. Except
// in the shared namespace while it is being deleted: the namespace controller empties it with
// deletecollection as itself (system:controller:namespace-controller may delete and
// deletecollection every resource, but holds no custom verb), and refused it left the namespace
// Terminating for good. What it deletes then goes with the namespace anyway, and nothing can be
// created in a terminating namespace, so whoever else may deletecollection there gains nothing.
func (r *REST) DeleteCollection(ctx context.Context, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions,
	listOptions *metainternalversion.ListOptions) (runtime.Object, error) {
	sees, err := r.filter(ctx)
	if err != nil {
		return nil, err
	}
	if sees != nil && !r.sharedTerminating(ctx) {
		return nil, apierrors.NewForbidden(r.kind.Qualified(r.kind.Resource), "",
			fmt.Errorf("deleting a collection that includes namespace %s needs the %q verb; delete your subscriptions by name", r.shared, tenancy.VerbManageOthers))
	}
	return r.REST.DeleteCollection(ctx, deleteValidation, options, listOptions)
}

// sharedTerminating reports whether the request is in the shared namespace and that namespace is
// being deleted.
func (r *REST) sharedTerminating(ctx context.Context) bool {
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	if ns != r.shared || r.namespaces == nil {
		return false
	}
	n, err := r.namespaces.Get(ns)
	return err == nil && n.DeletionTimestamp != nil
}
