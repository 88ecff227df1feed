// Package secretref makes a registry refuse an object that names a Secret its writer may not
// read. netweave may get every Secret of the cluster (its ClusterRole), and some of its kinds
// name a Secret of their own namespace whose content netweave then uses on the object's
// behalf: a subscription's signing key, a descriptor's chart pull credentials. Without this
// check, anyone allowed to write such an object but not to read Secrets could borrow any
// Secret of the namespace through netweave. So the writer must hold "get" on the Secret, the
// SubjectAccessReview kubectl would need to read it, asked of the server's authorizer.
package secretref

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/registry/storehook"
)

// Rule is the check of one kind's reference to a Secret of the object's namespace.
type Rule struct {
	// Authorizer answers the SubjectAccessReview; nil refuses every reference (fail closed).
	Authorizer authorizer.Authorizer
	// Resource qualifies the refusal (the kind's group and resource).
	Resource schema.GroupResource
	// Field is the reference's path, which the refusal names (spec.pullSecretRef).
	Field *field.Path
	// Name returns the Secret obj names, "" when none.
	Name func(obj runtime.Object) string
	// Moved, when set, reports whether an update that keeps the Secret sends its content
	// somewhere else than old did (another chart repository): such an update is checked like
	// a create. Nil: only an update naming another Secret is checked.
	Moved func(obj, old runtime.Object) bool
	// Use ends the refusal, saying why the Secret must be readable, e.g. "a subscription can
	// only sign with a key its creator may read".
	Use string
}

// Install makes store refuse, on create and on update, a reference the requester may not
// get. The store's existing hooks run after the check. Dry-run requests are checked alike, so
// a dry run promises nothing the real request refuses.
func (r Rule) Install(store *registry.Store) {
	storehook.Check{
		Create: func(ctx context.Context, obj runtime.Object) error { return r.Check(ctx, obj, nil) },
		Update: r.Check,
	}.Install(store)
}

// Check returns a Forbidden error when obj names a Secret that the requesting user may not
// get, unless old (nil on create) named the same Secret and Moved does not report a move: an
// update keeping the reference (a label change, a controller's patch) proves nothing new and
// needs no rights on the Secret. A failing authorizer is an internal error, never an allow.
func (r Rule) Check(ctx context.Context, obj, old runtime.Object) error {
	name := r.Name(obj)
	if name == "" {
		return nil
	}
	if old != nil && r.Name(old) == name && (r.Moved == nil || !r.Moved(obj, old)) {
		return nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("check %s of a %T: %w", r.Field, obj, err))
	}
	ns := m.GetNamespace()
	if ns == "" {
		ns, _ = genericapirequest.NamespaceFrom(ctx)
	}
	forbidden := func(who string) error {
		return apierrors.NewForbidden(r.Resource, m.GetName(), fmt.Errorf(
			"%s: %s may not get secret %q in namespace %q; %s", r.Field, who, name, ns, r.Use))
	}
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok || u == nil {
		return forbidden("an unidentified requester")
	}
	if r.Authorizer == nil {
		// A server built without an authorizer cannot tell.
		return forbidden(fmt.Sprintf("user %q", u.GetName()))
	}
	decision, _, err := r.Authorizer.Authorize(ctx, authorizer.AttributesRecord{
		User:            u,
		Verb:            "get",
		APIVersion:      "v1",
		Resource:        "secrets",
		Namespace:       ns,
		Name:            name,
		ResourceRequest: true,
	})
	if decision == authorizer.DecisionAllow {
		// A union authorizer may allow and report a failed member: it allowed.
		return nil
	}
	if err != nil {
		klog.FromContext(ctx).V(2).Info("Secret access check failed", "resource", r.Resource.String(), "object", klog.KRef(ns, m.GetName()),
			"field", r.Field.String(), "secret", name, "user", u.GetName(), "err", err)
		return apierrors.NewInternalError(fmt.Errorf("check access to the secret of %s: %w", r.Field, err))
	}
	return forbidden(fmt.Sprintf("user %q", u.GetName()))
}
