package o2rest

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/gorilla/mux"
)

// pathPattern is a route's path template matched segment by segment, given to gorilla/mux as
// the route's matcher. mux's own path templates compile to regular expressions that it runs
// twice for the route that matches (once to match, once to extract the variables); on a GET by
// id that was a tenth of the O2 face's CPU. O2 paths need no more than literal segments,
// {name} variables (any non-empty segment, as mux's default) and a literal prefix followed by
// a number ("v{version:[0-9]+}"), so a split and a few string compares do the same job.
type pathPattern struct {
	template string
	segments []patternSegment
}

// patternSegment is one "/"-separated segment of a template: a literal, or a variable with an
// optional literal prefix, optionally restricted to digits.
type patternSegment struct {
	literal string
	prefix  string
	name    string
	digits  bool
}

// parsePathPattern reads a template in mux's syntax, restricted to what O2 routes use: each
// segment is a literal, "{name}", or "prefix{name:[0-9]+}". Anything else is a programming
// error in the route table, so it panics at start-up.
func parsePathPattern(template string) pathPattern {
	if !strings.HasPrefix(template, "/") {
		panic(fmt.Sprintf("o2rest: route %q does not start with /", template))
	}
	p := pathPattern{template: template}
	for _, s := range strings.Split(template[1:], "/") {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			if strings.ContainsAny(s, "}") {
				panic(fmt.Sprintf("o2rest: route %q: segment %q", template, s))
			}
			p.segments = append(p.segments, patternSegment{literal: s})
			continue
		}
		if !strings.HasSuffix(s, "}") {
			panic(fmt.Sprintf("o2rest: route %q: a variable must end its segment %q", template, s))
		}
		seg := patternSegment{prefix: s[:open], name: s[open+1 : len(s)-1]}
		if name, ok := strings.CutSuffix(seg.name, ":[0-9]+"); ok {
			seg.name, seg.digits = name, true
		}
		if seg.name == "" || strings.ContainsAny(seg.name, "{}:") {
			panic(fmt.Sprintf("o2rest: route %q: variable %q", template, s))
		}
		p.segments = append(p.segments, seg)
	}
	return p
}

// Match is the route's mux.MatcherFunc: it matches the whole (decoded) path, as a mux path
// template does. It records no variables: the router reads them from the route that won
// (routeVars.read), so the routes tried and refused cost no allocation.
func (p pathPattern) Match(r *http.Request, _ *mux.RouteMatch) bool {
	return p.match(r.URL.Path, nil)
}

// match reports whether path matches the whole template and, when vars is set, records the
// template's variables in it.
func (p pathPattern) match(path string, vars *routeVars) bool {
	if !strings.HasPrefix(path, "/") {
		return false
	}
	rest := path[1:]
	var found routeVars
	for i, seg := range p.segments {
		var s string
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			if i == len(p.segments)-1 {
				return false
			}
			s, rest = rest[:j], rest[j+1:]
		} else {
			if i != len(p.segments)-1 {
				return false
			}
			s = rest
		}
		if seg.name == "" {
			if s != seg.literal {
				return false
			}
			continue
		}
		v, ok := strings.CutPrefix(s, seg.prefix)
		if !ok || v == "" || (seg.digits && !allDigits(v)) {
			return false
		}
		if found.n == len(found.vars) {
			panic(fmt.Sprintf("o2rest: route %q has more than %d variables", p.template, len(found.vars)))
		}
		found.vars[found.n] = routeVar{name: seg.name, value: v}
		found.n++
	}
	if vars != nil {
		*vars = found
	}
	return true
}

// routeVar is one path variable of the matched route.
type routeVar struct{ name, value string }

// routeVars are the matched route's path variables: O2 routes have at most four, so a fixed
// array, read by a linear search, instead of a map per request.
type routeVars struct {
	vars [4]routeVar
	n    int
}

// get returns the variable called name, or "".
func (v *routeVars) get(name string) string {
	for _, rv := range v.vars[:v.n] {
		if rv.name == name {
			return rv.value
		}
	}
	return ""
}

// has reports whether the route has a variable called name.
func (v *routeVars) has(name string) bool {
	for _, rv := range v.vars[:v.n] {
		if rv.name == name {
			return true
		}
	}
	return false
}

// cleanPath is path.Clean keeping a trailing slash, which O2 paths distinguish.
func cleanPath(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// requestStateKey keys the O2 request's state in the request context.
type requestStateKey struct{}

// requestState is what the O2 face keeps per request. The API server's chain puts an empty one
// into the request context when it builds that context (WithRequestState), so the router can
// record the route's variables without copying the request again; without it (a handler
// served on its own, as in tests) the router adds it.
type requestState struct {
	vars routeVars
	// authenticationUnavailable: the request's credentials could not be checked (see
	// NoteAuthenticationUnavailable).
	authenticationUnavailable bool
	// certificateOnlyRefusal is why a certificate-only listener refused the request
	// (NoteCertificateOnlyRefusal), "" when it did not.
	certificateOnlyRefusal string
	// authorizerErr is the first error of the authorizer while the request's visibility was
	// decided object by object (scope.permits), where an error hides the namespace: the answer
	// built on it would be incomplete, so it is replaced (methods.serve).
	authorizerErr error
}

// noteAuthorizerError records err, the first one, on the request state of ctx.
func noteAuthorizerError(ctx context.Context, err error) {
	if s := stateFrom(ctx); s != nil && s.authorizerErr == nil {
		s.authorizerErr = err
	}
}

// authorizerError is the error noteAuthorizerError recorded for the request of ctx, if any.
func authorizerError(ctx context.Context) error {
	if s := stateFrom(ctx); s != nil {
		return s.authorizerErr
	}
	return nil
}

// NoteAuthenticationUnavailable records, on the request state of ctx, that the request's
// credentials could not be checked (the authenticator failed to decide, as when the
// TokenReview cannot reach the cluster's API server), as opposed to refused: the answer is then
// a 503 to retry, not a 401 that tells an SMO, or Alertmanager, its credentials are wrong.
// Without a request state (WithRequestState) it does nothing.
func NoteAuthenticationUnavailable(ctx context.Context) {
	if s := stateFrom(ctx); s != nil {
		s.authenticationUnavailable = true
	}
}

// AuthenticationUnavailable reports whether NoteAuthenticationUnavailable was called for the
// request of ctx.
func AuthenticationUnavailable(ctx context.Context) bool {
	s := stateFrom(ctx)
	return s != nil && s.authenticationUnavailable
}

// NoteCertificateOnlyRefusal records, on the request state of ctx, that the request was refused
// on a certificate-only listener, and why (CertificateOnlyRefusal), for the answer to say.
func NoteCertificateOnlyRefusal(ctx context.Context, reason string) {
	if s := stateFrom(ctx); s != nil {
		s.certificateOnlyRefusal = reason
	}
}

// CertificateOnlyRefused is what NoteCertificateOnlyRefusal recorded for the request of ctx.
func CertificateOnlyRefused(ctx context.Context) string {
	if s := stateFrom(ctx); s != nil {
		return s.certificateOnlyRefusal
	}
	return ""
}

// WithRequestState returns ctx with room for the O2 face's per-request state. The filter that
// builds an O2 request's context calls it, so the router needs no request copy of its own.
func WithRequestState(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestStateKey{}, &requestState{})
}

func stateFrom(ctx context.Context) *requestState {
	s, _ := ctx.Value(requestStateKey{}).(*requestState)
	return s
}

// pathVars are the variables of the route that matched the request.
func pathVars(r *http.Request) *routeVars {
	if s := stateFrom(r.Context()); s != nil {
		return &s.vars
	}
	return &routeVars{}
}

// impersonationHeader is the first Kubernetes impersonation header (Impersonate-User, -Group,
// -Uid, -Extra-*) of h, "" for none. The O2 chain has no impersonation filter; a request that
// asks for it was once served as its authenticated caller regardless, which is no help to a
// proxy that relies on it to narrow what its users may do (they got the proxy's rights).
func impersonationHeader(h http.Header) string {
	for k := range h {
		if strings.HasPrefix(k, "Impersonate-") {
			return k
		}
	}
	return ""
}

// patterned is a route's handler that knows its path template.
type patterned interface {
	routePattern() *pathPattern
}

// router serves requests through a gorilla/mux router, carrying the matched route's variables
// with one request copy; mux.Router.ServeHTTP makes two (variables and route), and the O2
// handlers read only the variables.
type router struct{ mux *mux.Router }

func (rt router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := impersonationHeader(r.Header); h != "" {
		writeProblemDetails(w, newProblem(http.StatusBadRequest, "impersonation is not supported on the O2 API: a request acts as the identity it authenticated with; remove the "+h+" header").attr("header", h))
		return
	}
	// A path that is not in canonical form is redirected to the clean one, as mux does: a read
	// with 301, a write with 308, which clients follow with the same method and body (after a
	// 301 they send a GET, and a DELETE or PATCH was answered as one).
	if p := r.URL.Path; strings.Contains(p, "//") || strings.Contains(p, "/.") {
		if c := cleanPath(p); c != p {
			u := *r.URL
			u.Path = c
			w.Header().Set("Location", u.String())
			code := http.StatusMovedPermanently
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				code = http.StatusPermanentRedirect
			}
			w.WriteHeader(code)
			return
		}
	}
	var m mux.RouteMatch
	if !rt.mux.Match(r, &m) || m.Handler == nil {
		notFound(w, r)
		return
	}
	if route, ok := m.Handler.(patterned); ok && route.routePattern() != nil {
		state := stateFrom(r.Context())
		if state == nil {
			state = &requestState{}
			r = r.WithContext(context.WithValue(r.Context(), requestStateKey{}, state))
		}
		route.routePattern().match(r.URL.Path, &state.vars)
	}
	m.Handler.ServeHTTP(w, r)
}
