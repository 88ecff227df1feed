package o2ims

import (
	"net/http"
	"sort"
	"strings"

	"github.com/gorilla/mux"
)

// methods maps each HTTP method a path supports to its handler; other methods get 405 with an
// Allow header, as O2-IMS requires ("For not supported methods, O-Cloud shall return a 405").
type methods map[string]http.HandlerFunc

func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := m[r.Method]; ok {
		h(w, r)
		return
	}
	if r.Method == http.MethodHead {
		if h, ok := m[http.MethodGet]; ok {
			h(w, r)
			return
		}
	}
	allow := make([]string, 0, len(m))
	for verb := range m {
		allow = append(allow, verb)
	}
	sort.Strings(allow)
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeProblem(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not supported on "+r.URL.Path, nil)
}

// route registers a path (gorilla/mux template) under both apiRoots: the default one, where a
// caller sees what RBAC lets it read anywhere, and /tenants/{namespace}, scoped to one namespace.
func route(r *mux.Router, path string, m methods) {
	r.Handle(path, m)
	r.Handle("/tenants/{namespace}"+path, m)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, http.StatusNotFound, "no O2-IMS resource at "+r.URL.Path, nil)
}
