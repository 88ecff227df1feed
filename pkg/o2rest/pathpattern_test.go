package o2rest

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// TestPathPatternMatchesAsMuxTemplates checks that a pathPattern matches exactly the paths, and
// yields exactly the variables, that gorilla/mux's own path template of the same text does.
func TestPathPatternMatchesAsMuxTemplates(t *testing.T) {
	templates := []string{
		"/tenants/{namespace}/o2ims-infrastructureInventory/v{version:[0-9]+}/resourcePools/{poolId}/resources/{id}",
		"/o2ims-infrastructureInventory/v{version:[0-9]+}/resourcePools/{id}",
		"/o2ims-infrastructureInventory/v{version:[0-9]+}",
		"/o2ims-infrastructureInventory/v{version:[0-9]+}/",
		"/o2ims-infrastructureMonitoring/api_versions",
		"/o2ims-infrastructureMonitoring/v{version:[0-9]+}/alarms/purge",
	}
	paths := []string{
		"/tenants/a/o2ims-infrastructureInventory/v1/resourcePools/p/resources/r",
		"/tenants/a/o2ims-infrastructureInventory/v1/resourcePools/p/resources/r/",
		"/tenants/a/o2ims-infrastructureInventory/v1/resourcePools/p/resources/",
		"/tenants/a/o2ims-infrastructureInventory/vx/resourcePools/p/resources/r",
		"/tenants/a/o2ims-infrastructureInventory/v/resourcePools/p/resources/r",
		"/tenants/a/o2ims-infrastructureInventory/v12/resourcePools/p%2Fq/resources/r",
		"/o2ims-infrastructureInventory/v1/resourcePools/p",
		"/o2ims-infrastructureInventory/v1/resourcePools/p/x",
		"/o2ims-infrastructureInventory/v1/resourcePools",
		"/o2ims-infrastructureInventory/v1",
		"/o2ims-infrastructureInventory/v1/",
		"/o2ims-infrastructureInventory/v",
		"/o2ims-infrastructureMonitoring/api_versions",
		"/o2ims-infrastructureMonitoring/api_versions/",
		"/o2ims-infrastructureMonitoring/v2/alarms/purge",
		"/o2ims-infrastructureMonitoring/v2/alarms/purgex",
		"/",
		"",
	}
	for _, tmpl := range templates {
		want := mux.NewRouter().Path(tmpl)
		got := parsePathPattern(tmpl)
		for _, path := range paths {
			r := httptest.NewRequest(http.MethodGet, "http://o2.example/", nil)
			r.URL.Path = path
			var wm, gm mux.RouteMatch
			var vars routeVars
			wOK, gOK := want.Match(r, &wm), got.Match(r, &gm)
			if wOK != gOK || got.match(path, &vars) != gOK {
				t.Errorf("%s on %q: matched %v, mux template %v", tmpl, path, gOK, wOK)
				continue
			}
			if !wOK {
				continue
			}
			gotVars := map[string]string{}
			for _, v := range vars.vars[:vars.n] {
				gotVars[v.name] = v.value
			}
			if !reflect.DeepEqual(gotVars, wm.Vars) && (len(gotVars) > 0 || len(wm.Vars) > 0) {
				t.Errorf("%s on %q: vars %v, mux template %v", tmpl, path, gotVars, wm.Vars)
			}
			if gm.Vars != nil {
				t.Errorf("%s on %q: Match recorded variables %v; the router reads them once the route won", tmpl, path, gm.Vars)
			}
		}
	}
}

// TestRouterRedirectsUncleanPaths keeps mux's answer to a path that is not canonical: a 301 to
// the clean path, with the query kept.
func TestRouterRedirectsUncleanPaths(t *testing.T) {
	rt := router{mux: mux.NewRouter()}
	for path, want := range map[string]string{
		"/o2ims-infrastructureInventory//v1/resourcePools":   "/o2ims-infrastructureInventory/v1/resourcePools?a=b",
		"/o2ims-infrastructureInventory/v1/./resourcePools/": "/o2ims-infrastructureInventory/v1/resourcePools/?a=b",
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/?a=b", nil)
		r.URL.Path = path
		rt.ServeHTTP(w, r)
		if w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != want {
			t.Errorf("%s: %d Location %q, want 301 %q", path, w.Code, w.Header().Get("Location"), want)
		}
	}
}

// TestRegressionImpersonationHeadersIgnored: the O2 face has no impersonation filter, and a
// request with Impersonate-User was served as its authenticated caller, silently: a proxy in
// front of netweave that impersonates its users to narrow their rights gave them its own. It
// is now a 400 naming the header, and nothing is served.
func TestRegressionImpersonationHeadersIgnored(t *testing.T) {
	served := false
	m := mux.NewRouter()
	m.NewRoute().Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served = true }))
	rt := router{mux: m}
	for _, h := range []string{"Impersonate-User", "Impersonate-Group", "Impersonate-Uid", "Impersonate-Extra-Scopes"} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/o2ims-infrastructureInventory/v1/resourcePools", nil)
		r.Header.Set(h, "tenant-b-admin")
		rt.ServeHTTP(w, r)
		if w.Code != http.StatusBadRequest || w.Header().Get("Content-Type") != model.ProblemContentType || !strings.Contains(w.Body.String(), `"header":"`+h+`"`) {
			t.Errorf("%s: %d %s %s", h, w.Code, w.Header().Get("Content-Type"), w.Body.String())
		}
	}
	if served {
		t.Error("a request with an impersonation header was served")
	}
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/o2ims-infrastructureInventory/v1/resourcePools", nil))
	if !served {
		t.Errorf("a request without impersonation headers was not served: %d", w.Code)
	}
}

// BenchmarkRouting routes a GET of a pool's resource through the O2 route table's shape, with
// mux's own path templates (what the router did before pathPattern) and with pathPatterns.
func BenchmarkRouting(b *testing.B) {
	const tmpl = "/o2ims-infrastructureInventory/v{version:[0-9]+}/resourcePools/{poolId}/resources/{id}"
	var seen string
	templates := mux.NewRouter()
	templates.Handle("/o2ims-infrastructureInventory/v{version:[0-9]+}/resourcePools/{poolId}/resources", http.NotFoundHandler())
	templates.Handle(tmpl, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = mux.Vars(r)["id"] }))
	patterns := mux.NewRouter()
	patterns.NewRoute().MatcherFunc(parsePathPattern("/o2ims-infrastructureInventory/v{version:[0-9]+}/resourcePools/{poolId}/resources").Match).Handler(http.NotFoundHandler())
	p := parsePathPattern(tmpl)
	patterns.NewRoute().MatcherFunc(p.Match).Handler(readID{pattern: &p, seen: &seen})
	for name, h := range map[string]http.Handler{"mux templates": templates, "path patterns": router{mux: patterns}} {
		b.Run(name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/o2ims-infrastructureInventory/v1/resourcePools/pool-a/resources/7f0c2a52-9f3e-5d1b-8f6e-2a7d9c0e4b11", nil)
			// As the API server's chain builds the request's context.
			r = r.WithContext(WithRequestState(r.Context()))
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(nil, r)
			}
			if seen != "7f0c2a52-9f3e-5d1b-8f6e-2a7d9c0e4b11" {
				b.Fatalf("handler saw id %q", seen)
			}
		})
	}
}

// readID is a route handler that records the id variable, as the O2 handlers read it.
type readID struct {
	pattern *pathPattern
	seen    *string
}

func (h readID) routePattern() *pathPattern { return h.pattern }

func (h readID) ServeHTTP(_ http.ResponseWriter, r *http.Request) { *h.seen = pathVars(r).get("id") }

// TestRegressionUncleanPathWriteRedirectedAsGet: a write to a path that is not canonical (a
// doubled slash, as an SMO that joins its apiRoot ending in "/" with "/o2ims-...") was answered
// 301, which HTTP clients follow with a GET: an SMO's DELETE of a subscription came back 200 with
// the subscription, the status the contract declares for a successful delete, and nothing was
// deleted. A write is now redirected with 308, which keeps its method and body.
func TestRegressionUncleanPathWriteRedirectedAsGet(t *testing.T) {
	e := newEnv(t, 0)
	r := e.do("POST", "admin-token", inventory+"//v2/subscriptions", `{"callback":"https://smo.example.net/unclean"}`)
	e.expect(r, http.StatusCreated, "POST through a doubled slash")
	id, _ := decodeObject(t, r.body)["subscriptionId"].(string)
	if id == "" {
		t.Fatalf("POST through a doubled slash answered no subscription: %s", r.body)
	}
	e.expect(e.do("DELETE", "admin-token", inventory+"/v2//subscriptions/"+id, ""), http.StatusOK, "DELETE through a doubled slash")
	e.expect(e.do("GET", "admin-token", inventory+"/v2/subscriptions/"+id, ""), http.StatusNotFound, "the deleted subscription")
}
