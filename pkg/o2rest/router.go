package o2rest

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"k8s.io/apiserver/pkg/endpoints/metrics"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/endpoints/responsewriter"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// metricsComponent labels the O2 face's requests in the API server's request metrics
// (apiserver_request_total{component="o2ims"}, apiserver_request_duration_seconds, ...).
const metricsComponent = "o2ims"

// methods maps each HTTP method a path supports to its handler; other methods get 405 with an
// Allow header, as O2-IMS requires ("For not supported methods, O-Cloud shall return a 405").
// resource and scope label the request metrics: the route's o2ims.oran.org resource, never a
// tenant or an id, so the metrics reveal nothing about who holds what.
type methods struct {
	resource string
	// item is true for routes that address one object (GET is a get, not a list).
	item     bool
	handlers map[string]apiFunc
}

func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start, ok := genericapirequest.ReceivedTimestampFrom(r.Context())
	if !ok {
		start = time.Now()
	}
	d := &metrics.ResponseWriterDelegator{ResponseWriter: w}
	m.serve(responsewriter.WrapForHTTP1Or2(d), r)
	scope, verb := "cluster", "LIST"
	if m.item {
		scope, verb = "resource", "GET"
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		verb = r.Method
	}
	metrics.MonitorRequest(r, verb, v1alpha1.GroupName, "", m.resource, "", scope, metricsComponent, false, "", d.Status(), d.ContentLength(), time.Since(start))
}

func (m methods) serve(w http.ResponseWriter, r *http.Request) {
	f, ok := m.handlers[r.Method]
	if !ok && r.Method == http.MethodHead {
		f, ok = m.handlers[http.MethodGet]
	}
	if ok {
		a, p := f(r)
		respond(w, a, p)
		return
	}
	allow := make([]string, 0, len(m.handlers))
	for verb := range m.handlers {
		allow = append(allow, verb)
	}
	sort.Strings(allow)
	respond(w, nil, newProblem(http.StatusMethodNotAllowed, "method "+r.Method+" is not supported on "+r.URL.Path).
		setHeader("Allow", strings.Join(allow, ", ")))
}

func get(resource string, item bool, f apiFunc) methods {
	return methods{resource: resource, item: item, handlers: map[string]apiFunc{http.MethodGet: f}}
}

// routes builds the router. gorilla/mux evaluates, for every route it tries, the route's
// whole-path regular expression (and again to extract the variables of the one that matches),
// so routes are grouped by apiRoot (the default one, where a caller sees what RBAC lets it read
// anywhere, and /tenants/{namespace}, scoped to one namespace) and collection with a plain
// string test: a request meets the expressions of its own collection's two to four routes only.
func (h *handler) routes() http.Handler {
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(notFound)
	type collection struct {
		path string
		kind model.Kind
	}
	collections := []collection{
		{"resourcePools", model.KindResourcePool},
		{"resourceTypes", model.KindResourceType},
		{"deploymentManagers", model.KindDeploymentManager},
		{"locations", model.KindLocationInfo},
		{"oCloudSites", model.KindOCloudSiteInfo},
		{"subscriptions", model.KindSubscription},
	}
	for _, root := range []string{"", "/tenants/{namespace}"} {
		tenant := root != ""
		v := root + "/" + model.APIName + "/v{version:[0-9]+}"
		for _, c := range collections {
			segment := c.path
			sub := r.MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
				return strings.HasPrefix(req.URL.Path, "/tenants/") == tenant && collectionIs(req.URL.Path, segment)
			}).Subrouter()
			sub.NotFoundHandler = r.NotFoundHandler
			res := c.kind.KubernetesResource()
			base := v + "/" + c.path
			switch c.kind {
			case model.KindSubscription:
				sub.Handle(base, methods{resource: res, handlers: map[string]apiFunc{
					http.MethodGet: h.list(c.kind), http.MethodPost: h.createSubscription}})
				sub.Handle(base+"/{id}", methods{resource: res, item: true, handlers: map[string]apiFunc{
					http.MethodGet: h.get(c.kind), http.MethodDelete: h.deleteSubscription}})
				continue
			case model.KindResourcePool:
				resources := model.KindResource.KubernetesResource()
				sub.Handle(base+"/{poolId}/resources/{id}", get(resources, true, h.getPoolResource))
				sub.Handle(base+"/{poolId}/resources", get(resources, false, h.listPoolResources))
			}
			sub.Handle(base+"/{id}", get(res, true, h.get(c.kind)))
			sub.Handle(base, get(res, false, h.list(c.kind)))
		}
		r.Handle(root+"/"+model.APIName+"/api_versions", get("", false, h.apiVersions))
		r.Handle(v+"/api_versions", get("", false, h.majorAPIVersions))
		r.Handle(v, get("oclouds", true, h.oCloudInfo))
		r.Handle(v+"/", get("oclouds", true, h.oCloudInfo))
	}
	return r
}

func notFound(w http.ResponseWriter, r *http.Request) { respond(w, nil, notFoundProblem(r)) }

func notFoundProblem(r *http.Request) *problem {
	return newProblem(http.StatusNotFound, "no O2-IMS resource at "+r.URL.Path)
}

// collectionIs reports whether path, below ".../{APIName}/v{N}/", starts with the segment.
func collectionIs(path, segment string) bool {
	const marker = "/" + model.APIName + "/v"
	i := strings.Index(path, marker)
	if i < 0 {
		return false
	}
	rest := path[i+len(marker):]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	rest = strings.TrimPrefix(rest[n:], "/")
	if !strings.HasPrefix(rest, segment) {
		return false
	}
	rest = rest[len(segment):]
	return rest == "" || rest[0] == '/'
}
