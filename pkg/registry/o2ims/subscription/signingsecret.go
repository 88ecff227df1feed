package subscription

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/klog/v2"
)

// A subscription's spec.signingSecretRef makes netweave, which may read every Secret, read a
// Secret on the subscription's behalf and use its bytes as the HMAC key of the POSTs to a
// callback the creator chose. Without a check, a user allowed to create subscriptions but not
// to read Secrets could borrow any Secret of the namespace: the signatures let them test
// guesses of its value offline. So the creator must hold "get" on that Secret, the same
// SubjectAccessReview kubectl would need to read it. The notifier further requires the Secret
// to opt in (its type or label, pkg/notify), which the Secret's owner controls.
//
// The check runs on create, and on update when the reference names another Secret (an update
// that keeps the reference, e.g. by the notifier's owner or a label change, proves nothing new
// and needs no rights on the Secret). A different key of the same Secret needs no new check:
// the permission is per Secret.

// withSigningSecretCheck makes the store refuse a signingSecretRef its requester may not get.
// Existing hooks (the dry-run id check) still run after it.
func (k *Kind) withSigningSecretCheck(store *registry.Store, authz authorizer.Authorizer) {
	beginCreate := store.BeginCreate
	store.BeginCreate = func(ctx context.Context, obj runtime.Object, options *metav1.CreateOptions) (registry.FinishFunc, error) {
		if err := k.checkSigningSecret(ctx, authz, obj, nil); err != nil {
			return nil, err
		}
		if beginCreate == nil {
			return finishNothing, nil
		}
		return beginCreate(ctx, obj, options)
	}
	beginUpdate := store.BeginUpdate
	store.BeginUpdate = func(ctx context.Context, obj, old runtime.Object, options *metav1.UpdateOptions) (registry.FinishFunc, error) {
		if err := k.checkSigningSecret(ctx, authz, obj, old); err != nil {
			return nil, err
		}
		if beginUpdate == nil {
			return finishNothing, nil
		}
		return beginUpdate(ctx, obj, old, options)
	}
}

func finishNothing(context.Context, bool) {}

// checkSigningSecret returns a Forbidden error when obj names a signing Secret (another one
// than old did) that the requesting user may not get.
func (k *Kind) checkSigningSecret(ctx context.Context, authz authorizer.Authorizer, obj, old runtime.Object) error {
	ref := k.SigningSecretRef(obj)
	if ref == nil {
		return nil
	}
	name := ref.Name
	if old != nil {
		if prev := k.SigningSecretRef(old); prev != nil && prev.Name == name {
			return nil
		}
	}
	sub, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("check the signing secret of a %T: %w", obj, err))
	}
	ns := sub.GetNamespace()
	if ns == "" {
		ns, _ = genericapirequest.NamespaceFrom(ctx)
	}
	gr := k.Qualified(k.Resource)
	forbidden := func(who string) error {
		return apierrors.NewForbidden(gr, sub.GetName(), fmt.Errorf(
			"spec.signingSecretRef: %s may not get secret %q in namespace %q; a subscription can only sign with a key its creator may read", who, name, ns))
	}
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok || u == nil {
		return forbidden("an unidentified requester")
	}
	if authz == nil {
		// Fail closed: a server built without an authorizer cannot tell.
		return forbidden(fmt.Sprintf("user %q", u.GetName()))
	}
	decision, _, err := authz.Authorize(ctx, authorizer.AttributesRecord{
		User:            u,
		Verb:            "get",
		APIVersion:      "v1",
		Resource:        "secrets",
		Namespace:       ns,
		Name:            name,
		ResourceRequest: true,
	})
	if decision == authorizer.DecisionAllow {
		return nil
	}
	if err != nil {
		klog.V(2).InfoS("Signing secret access check failed", "subscription", klog.KRef(ns, sub.GetName()), "secret", name, "user", u.GetName(), "err", err)
		return apierrors.NewInternalError(fmt.Errorf("could not check access to the signing secret: %w", err))
	}
	return forbidden(fmt.Sprintf("user %q", u.GetName()))
}
