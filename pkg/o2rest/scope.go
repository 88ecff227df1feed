package o2rest

import (
	"context"
	"net/http"
	"slices"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/pkg/tenancy"
)

// scope is what a caller may read of one resource in one request: everything (cluster-wide
// access on the default apiRoot), one namespace (a tenant apiRoot), or the namespaces RBAC
// grants one by one (a tenant user on the default apiRoot). Decisions are memoised per request;
// the authorizer caches them across requests.
type scope struct {
	h        *handler
	ctx      context.Context
	verb     string
	resource string
	all      bool
	tenant   string
	decided  map[string]bool
	// shared is the subscription namespace when resource is a subscription resource: there a
	// caller sees only its own subscriptions unless it may manage others' (pkg/tenancy).
	shared string
	others *bool
	// credentials memoises, per namespace, whether the caller may read credentials
	// (credentials.go).
	credentials map[string]bool
	// within, when set, are the only namespaces the scope covers, in order of preference: the
	// namespace of an apiRoot's provisioning requests, or the tenant's and the inventory
	// namespace for templates (provisioning.go).
	within []string
	// dictionaries is the caller's scope for the alarm dictionaries v1 resource types embed
	// (alarmdictionaries.go), made on first use.
	dictionaries *scope
	// rel is the caller's scope for the objects whose ids a document lists (relatedScope).
	rel *scope
}

// relatedScope is the caller's scope for listing resource, made on first use, for the ids a
// document of s's resource lists (a location's sites, a site's pools): reading a location does
// not entitle anyone to the ids of sites it may not list. It covers s's namespaces at most (a
// tenant apiRoot's), each as far as RBAC lets the caller list resource there.
func (s *scope) relatedScope(resource string) *scope {
	if s.rel != nil && s.rel.resource == resource {
		return s.rel
	}
	rs := &scope{h: s.h, ctx: s.ctx, verb: "list", resource: resource, within: s.within}
	if s.tenant != "" {
		rs.within = []string{s.tenant}
	}
	// Cluster-wide access answers every namespace at once; an error denies, namespace by
	// namespace (permits), and fails the request (noteAuthorizerError).
	all, err := s.h.access.allowed(s.ctx, rs.verb, resource, "", "")
	if err != nil {
		noteAuthorizerError(s.ctx, err)
	}
	rs.all = all && err == nil
	s.rel = rs
	return rs
}

// scopeFor returns the caller's scope. On a tenant apiRoot without access it is 403: the
// namespace is named in the URL, so refusing reveals nothing about the objects in it.
func (h *handler) scopeFor(r *http.Request, req request, verb, resource string) (*scope, *problem) {
	s := &scope{h: h, ctx: r.Context(), verb: verb, resource: resource, tenant: req.tenant}
	if isSubscriptionResource(resource) {
		s.shared = h.cfg.SubscriptionNamespace
	}
	switch resource {
	case provisioningRequests:
		// An apiRoot's requests live in one namespace: on the default apiRoot the inventory
		// namespace (a tenant root's is its own, below).
		if req.tenant == "" {
			s.within = []string{h.cfg.InventoryNamespace}
		}
	case templates:
		return h.templateScope(s, req)
	}
	if req.tenant != "" {
		ok, err := h.access.allowed(r.Context(), verb, resource, req.tenant, "")
		if err != nil {
			return nil, authorizerProblem(err)
		}
		if !ok {
			return nil, newProblem(http.StatusForbidden, "not allowed to "+verb+" "+resource+" in tenant "+req.tenant)
		}
		return s, nil
	}
	ok, err := h.access.allowed(r.Context(), verb, resource, "", "")
	if err != nil {
		return nil, authorizerProblem(err)
	}
	s.all = ok
	return s, nil
}

// namespace is the namespace a list must be restricted to ("" for none).
func (s *scope) namespace() string {
	if s.tenant == "" && len(s.within) == 1 {
		return s.within[0]
	}
	return s.tenant
}

// permits reports whether objects in namespace ns are visible.
func (s *scope) permits(ns string) bool {
	if s.within != nil && !slices.Contains(s.within, ns) {
		return false
	}
	if s.all {
		return true
	}
	if s.tenant != "" {
		return ns == s.tenant
	}
	if ok, seen := s.decided[ns]; seen {
		return ok
	}
	ok, err := s.h.access.allowed(s.ctx, s.verb, s.resource, ns, "")
	// Allocated on first use: most requests (a GET by id, any tenant apiRoot) never get here.
	if s.decided == nil {
		s.decided = map[string]bool{}
	}
	// An error hides the namespace, and the request fails: an answer without its objects
	// would tell the caller they are gone (methods.serve).
	if err != nil {
		noteAuthorizerError(s.ctx, err)
	}
	s.decided[ns] = ok && err == nil
	return s.decided[ns]
}

// sees reports whether obj is visible: its namespace is, and, in the shared subscription
// namespace, the caller owns it or may manage others' subscriptions.
func (s *scope) sees(obj runtime.Object) bool {
	ns := namespaceOf(obj)
	if !s.permits(ns) {
		return false
	}
	if s.shared == "" || ns != s.shared {
		return true
	}
	if sub := subscriptionOf(obj).subscriber; sub != nil && tenancy.Owns(userFrom(s.ctx), sub.Username, sub.UID) {
		return true
	}
	if s.others == nil {
		ok, err := tenancy.MayManageOthers(s.ctx, s.h.access.authz, userFrom(s.ctx), "", s.resource, ns)
		// As in permits: an authorizer that cannot answer fails the request (503) rather than
		// telling an operator that other SMOs' subscriptions do not exist.
		if err != nil {
			noteAuthorizerError(s.ctx, err)
		}
		ok = ok && err == nil
		s.others = &ok
	}
	return *s.others
}
