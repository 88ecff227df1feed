package subscription

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/fieldvalue"
	"github.com/netweave-io/netweave/pkg/registry/storehook"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// What a subscription delivers is decided by its subscriber's rights (the notifier re-checks
// that the subscriber may get each object), and its POSTs may be signed with a Secret only the
// subscriber was shown to read. Where it delivers them is spec.callback. So a user who may
// update subscriptions in a namespace but is not the subscriber (a namespace admin, or any
// role with update) could otherwise point someone else's subscription at a receiver of its own
// and receive what the subscriber may see, signed with the subscriber's key. Redirecting a
// subscription (changing its callback or its signing Secret) is therefore the subscriber's, or
// a holder of the manage-others verb's, in every namespace; other updates (labels, filters)
// stay under plain RBAC.

// withRedirectCheck makes the store refuse an update that redirects a subscription unless the
// requester is its subscriber or may manage others' subscriptions there. It runs before the
// hooks already installed.
func (k *Kind) withRedirectCheck(store *registry.Store, authz authorizer.Authorizer) {
	storehook.Check{Update: func(ctx context.Context, obj, old runtime.Object) error {
		return k.checkRedirect(ctx, authz, obj, old)
	}}.Install(store)
}

// redirects reports which field of obj sends deliveries elsewhere than old did ("" if none).
func (k *Kind) redirects(obj, old runtime.Object) (string, error) {
	cb, err := fieldvalue.Value(obj, "spec.callback")
	if err != nil {
		return "", err
	}
	prevCB, err := fieldvalue.Value(old, "spec.callback")
	if err != nil {
		return "", err
	}
	if cb != prevCB {
		return "spec.callback", nil
	}
	ref, prev := k.SigningSecretRef(obj), k.SigningSecretRef(old)
	if (ref == nil) != (prev == nil) || ref != nil && *ref != *prev {
		return "spec.signingSecretRef", nil
	}
	return "", nil
}

// checkRedirect returns a Forbidden error when obj redirects old and the requesting user is
// neither old's subscriber nor allowed to manage others' subscriptions in its namespace.
func (k *Kind) checkRedirect(ctx context.Context, authz authorizer.Authorizer, obj, old runtime.Object) error {
	field, err := k.redirects(obj, old)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("compare the subscription's callback: %w", err))
	}
	if field == "" {
		return nil
	}
	m, err := meta.Accessor(old)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("check who redirects a %T: %w", old, err))
	}
	gr := k.Qualified(k.Resource)
	forbidden := func(who string) error {
		return apierrors.NewForbidden(gr, m.GetName(), fmt.Errorf(
			"%s: %s is not this subscription's subscriber; only its subscriber, or a user allowed to %q %s in namespace %q, may change where its notifications go",
			field, who, tenancy.VerbManageOthers, k.Resource, m.GetNamespace()))
	}
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok || u == nil {
		return forbidden("an unidentified requester")
	}
	// The stored subscriber: obj's is the client's copy until PrepareForUpdate restores it.
	if s := *k.Subscriber(old); s != nil && tenancy.Owns(u, s.Username, s.UID) {
		return nil
	}
	if authz == nil {
		return forbidden(fmt.Sprintf("user %q", u.GetName()))
	}
	all, err := tenancy.MayManageOthers(ctx, authz, u, gr.Group, k.Resource, m.GetNamespace())
	if err != nil {
		klog.V(2).InfoS("Subscription redirect check failed", "subscription", klog.KRef(m.GetNamespace(), m.GetName()), "user", u.GetName(), "err", err)
		return apierrors.NewInternalError(fmt.Errorf("could not check who may redirect the subscription: %w", err))
	}
	if !all {
		return forbidden(fmt.Sprintf("user %q", u.GetName()))
	}
	return nil
}
