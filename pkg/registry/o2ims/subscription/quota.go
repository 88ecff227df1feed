package subscription

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/netweave-io/netweave/pkg/registry/storehook"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// DefaultPerNamespace is the default cap on the subscriptions of one kind in a namespace, or of
// one owner in the shared namespace: far more than an SMO needs (one per filter it watches),
// few enough that the notifier's per-subscription queues and matching stay bounded.
const DefaultPerNamespace = 1000

// withQuota holds every create to the subscription cap first: a POST, and a PUT or a
// server-side apply that creates (the store's create-on-update runs BeginCreate too; the cap
// was once only in Create, and kubectl apply --server-side went past it).
func (r *REST) withQuota(store *registry.Store) {
	storehook.Check{Create: func(ctx context.Context, _ runtime.Object) error { return r.checkQuota(ctx) }}.Install(store)
}

// checkQuota refuses a create when the namespace already holds perNamespace subscriptions of
// this kind. In the shared namespace, where every SMO's default-apiRoot subscriptions live, the
// cap is per owner instead, so that one SMO cannot exhaust it for the others. The count is a
// consistent list served from the read cache (pkg/storage/readcache: one shared revision fetch,
// no objects read from Redis). Concurrent creates may overshoot the cap by the number in
// flight, which is fine for a memory bound.
func (r *REST) checkQuota(ctx context.Context) error {
	if r.perNamespace <= 0 {
		return nil
	}
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	owns := func(runtime.Object) bool { return true }
	scope := "subscriptions-per-namespace"
	if ns == r.shared {
		u, ok := genericapirequest.UserFrom(ctx)
		if !ok {
			return apierrors.NewForbidden(r.kind.Qualified(r.kind.Resource), "", fmt.Errorf("no user"))
		}
		scope = tenancy.PerOwnerSubscriptionCap
		owns = func(obj runtime.Object) bool {
			o := *r.kind.Subscriber(obj)
			return o != nil && tenancy.Owns(u, o.Username, o.UID)
		}
	}
	list, err := r.REST.List(ctx, &metainternalversion.ListOptions{})
	if err != nil {
		return fmt.Errorf("count %s in %s: %w", r.kind.Resource, ns, err)
	}
	used := 0
	if err := meta.EachListItem(list, func(obj runtime.Object) error {
		if owns(obj) {
			used++
		}
		return nil
	}); err != nil {
		return apierrors.NewInternalError(fmt.Errorf("count %s in %s: %w", r.kind.Resource, ns, err))
	}
	if used < r.perNamespace {
		return nil
	}
	// Worded like ResourceQuota's refusal, which clients and operators already recognise.
	return apierrors.NewForbidden(r.kind.Qualified(r.kind.Resource), "", fmt.Errorf(
		"exceeded quota: %s, requested: %s=1, used: %s=%d, limited: %s=%d",
		scope, r.kind.Resource, r.kind.Resource, used, r.kind.Resource, r.perNamespace))
}
