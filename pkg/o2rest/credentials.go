package o2rest

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// CredentialsSubresource is the subresource whose "get" permission shows credentials in O2
// documents: without get on <resource>/credentials (deploymentmanagers/credentials, the case
// that matters: oran-o2ims keeps a cluster's credentials in a deployment manager's
// extensions.profileData) in the object's namespace, a caller reads the document redacted by
// model.Redact, exactly as notifications carry it. The subresource is a permission only: the
// Kubernetes face serves no such endpoint. A grant must not name resourceNames, since the
// decision is made per namespace.
const CredentialsSubresource = "credentials"

// renderViews builds the redacted view of doc with encode and, when redaction changed
// anything, the full view beside it. The views are built once per object version (Derived)
// and shared between requests; which one a caller gets is decided per request (view).
func renderViews(s *kindSpec, doc map[string]any, encode func(map[string]any) (*rendered, error)) (*rendered, error) {
	if isSubscription(s.kind) {
		return encode(doc)
	}
	red, changed := model.Redact(doc)
	r, err := encode(red)
	if err != nil || !changed {
		return r, err
	}
	if r.full, err = encode(doc); err != nil {
		return nil, err
	}
	return r, nil
}

// view is the view of r this caller may read: the full document only with the credentials
// permission in obj's namespace. Documents without credentials cost no authorization check.
func (sc *scope) view(s *kindSpec, obj runtime.Object, r *rendered) *rendered {
	if r.full == nil || !sc.mayReadCredentials(s, obj) {
		return r
	}
	return r.full
}

// redact returns doc as this caller may read it (documents rendered per request).
func (sc *scope) redact(s *kindSpec, obj runtime.Object, doc map[string]any) map[string]any {
	return sc.redactWith(model.Redact, s, obj, doc)
}

// redactWith is redact with another redaction than the documents' (a template's defaults).
func (sc *scope) redactWith(redact func(map[string]any) (map[string]any, bool), s *kindSpec, obj runtime.Object, doc map[string]any) map[string]any {
	red, changed := redact(doc)
	if !changed || sc.mayReadCredentials(s, obj) {
		return doc
	}
	return red
}

// mayReadCredentials asks once per namespace and request.
func (sc *scope) mayReadCredentials(s *kindSpec, obj runtime.Object) bool {
	ns := namespaceOf(obj)
	if ok, seen := sc.credentials[ns]; seen {
		return ok
	}
	ok := sc.h.mayReadCredentials(sc.ctx, s.resource, ns)
	if sc.credentials == nil {
		sc.credentials = map[string]bool{}
	}
	sc.credentials[ns] = ok
	return ok
}

// mayReadCredentials reports whether the caller may "get" resource/credentials in namespace.
// The question names a subresource, which RBAC matches as "deploymentmanagers/credentials" (and
// "*"), not as the plain resource. An authorizer error redacts: credentials are shown only on an
// explicit allow (and one that says it could not decide fails the request, 503).
func (h *handler) mayReadCredentials(ctx context.Context, resource, namespace string) bool {
	ok, err := tenancy.Allowed(ctx, h.cfg.Authorizer, userFrom(ctx),
		tenancy.Request{Verb: "get", Resource: resource, Subresource: CredentialsSubresource, Namespace: namespace})
	if err != nil {
		klog.V(2).InfoS("Credentials permission check failed; redacting", "resource", resource, "namespace", namespace, "err", err)
		if tenancy.Unavailable(err) {
			// Redacted, and the request fails (methods.serve): a document with its
			// credentials redacted would tell a caller who may read them they are gone.
			noteAuthorizerError(ctx, err)
		}
	}
	return ok
}
