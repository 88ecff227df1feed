package o2ims

import (
	"context"
	"net/http"
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
	// credentials memoises, per namespace, whether the caller may read credentials
	// (credentials.go).
	credentials map[string]bool
}

// scopeFor returns the caller's scope. On a tenant apiRoot without access it writes 403: the
// namespace is named in the URL, so refusing reveals nothing about the objects in it.
func (h *handler) scopeFor(w http.ResponseWriter, r *http.Request, req request, verb, resource string) (*scope, bool) {
	s := &scope{h: h, ctx: r.Context(), verb: verb, resource: resource, tenant: req.tenant, decided: map[string]bool{}}
	if req.tenant != "" {
		ok, err := h.access.allowed(r.Context(), verb, resource, req.tenant, "")
		if err != nil {
			writeProblem(w, http.StatusInternalServerError, "authorization check failed", nil)
			return nil, false
		}
		if !ok {
			writeProblem(w, http.StatusForbidden, "not allowed to "+verb+" "+resource+" in tenant "+req.tenant, nil)
			return nil, false
		}
		s.decided[req.tenant] = true
		return s, true
	}
	ok, err := h.access.allowed(r.Context(), verb, resource, "", "")
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "authorization check failed", nil)
		return nil, false
	}
	s.all = ok
	return s, true
}

// namespace is the namespace a list must be restricted to ("" for none).
func (s *scope) namespace() string { return s.tenant }

// permits reports whether objects in namespace ns are visible.
func (s *scope) permits(ns string) bool {
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
	s.decided[ns] = ok && err == nil
	return s.decided[ns]
}
