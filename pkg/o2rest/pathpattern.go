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
// template does, and records the variables in the route match.
func (p pathPattern) Match(r *http.Request, m *mux.RouteMatch) bool {
	path := r.URL.Path
	if !strings.HasPrefix(path, "/") {
		return false
	}
	rest := path[1:]
	var vars [4]struct{ name, value string }
	n := 0
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
		if n == len(vars) {
			panic(fmt.Sprintf("o2rest: route %q has more than %d variables", p.template, len(vars)))
		}
		vars[n].name, vars[n].value = seg.name, v
		n++
	}
	if m.Vars == nil {
		m.Vars = make(map[string]string, n)
	}
	for _, v := range vars[:n] {
		m.Vars[v.name] = v.value
	}
	return true
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

// routeVarsKey keys the matched route's path variables in the request context.
type routeVarsKey struct{}

// pathVars are the variables of the route that matched the request.
func pathVars(r *http.Request) map[string]string {
	v, _ := r.Context().Value(routeVarsKey{}).(map[string]string)
	return v
}

// router serves requests through a gorilla/mux router, carrying the matched route's variables
// with one request copy; mux.Router.ServeHTTP makes two (variables and route), and the O2
// handlers read only the variables.
type router struct{ mux *mux.Router }

func (rt router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A path that is not in canonical form is redirected to the clean one, as mux does.
	if p := r.URL.Path; strings.Contains(p, "//") || strings.Contains(p, "/.") {
		if c := cleanPath(p); c != p {
			u := *r.URL
			u.Path = c
			w.Header().Set("Location", u.String())
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
	}
	var m mux.RouteMatch
	if !rt.mux.Match(r, &m) || m.Handler == nil {
		notFound(w, r)
		return
	}
	if len(m.Vars) > 0 {
		r = r.WithContext(context.WithValue(r.Context(), routeVarsKey{}, m.Vars))
	}
	m.Handler.ServeHTTP(w, r)
}
