package o2rest

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
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
	// route is the route's template without its expressions, set only when requests are traced
	// (Config.Traced): the request's span is named after it.
	route string
	// pattern is the route's path template; the router reads the path variables with it once
	// the route has won.
	pattern *pathPattern
	// responder writes the handlers' answers.
	responder responder
}

func (m methods) routePattern() *pathPattern { return m.pattern }

func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start, ok := genericapirequest.ReceivedTimestampFrom(r.Context())
	if !ok {
		start = time.Now()
	}
	if m.route != "" {
		if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
			span.SetName(r.Method + " " + m.route)
			span.SetAttributes(attribute.String("http.route", m.route))
		}
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
		// An answer built while the authorizer failed hid what it could not decide: a read,
		// or a refusal, is answered 503 instead (a write that succeeded stands).
		if err := authorizerError(r.Context()); err != nil && (p != nil || r.Method == http.MethodGet || r.Method == http.MethodHead) {
			a, p = nil, authorizerProblem(err)
		}
		m.responder.respond(w, a, p)
		return
	}
	allow := make([]string, 0, len(m.handlers)+1)
	for verb := range m.handlers {
		allow = append(allow, verb)
	}
	// HEAD is served wherever GET is (above): Allow lists every method the path supports.
	if _, ok := m.handlers[http.MethodGet]; ok {
		allow = append(allow, http.MethodHead)
	}
	sort.Strings(allow)
	respond(w, nil, newProblem(http.StatusMethodNotAllowed, "method "+r.Method+" is not supported on "+r.URL.Path).
		setHeader("Allow", strings.Join(allow, ", ")))
}

func get(resource string, item bool, f apiFunc) methods {
	return methods{resource: resource, item: item, handlers: map[string]apiFunc{http.MethodGet: f}}
}

// collection is one top-level collection of an API: its URI segment and the kind it serves.
type collection struct {
	api, path string
	kind      model.Kind
}

// collections are the collections of both APIs.
var collections = []collection{
	{model.APIName, "resourcePools", model.KindResourcePool},
	{model.APIName, "resourceTypes", model.KindResourceType},
	{model.APIName, "deploymentManagers", model.KindDeploymentManager},
	{model.APIName, "locations", model.KindLocationInfo},
	{model.APIName, "oCloudSites", model.KindOCloudSiteInfo},
	{model.APIName, "subscriptions", model.KindSubscription},
	{model.APIName, "alarmDictionaries", model.KindAlarmDictionary},
	{model.MonitoringAPIName, "alarms", model.KindAlarmEventRecord},
	{model.MonitoringAPIName, "alarmSubscriptions", model.KindAlarmSubscription},
	{model.MonitoringAPIName, "alarmServiceConfiguration", model.KindAlarmServiceConfiguration},
	{model.MonitoringAPIName, "taskOperations", model.KindTaskOperation},
	{model.ProvisioningAPIName, "provisioningRequests", model.KindProvisioningRequest},
	{model.ProvisioningAPIName, "subscriptions", model.KindProvisioningSubscription},
	{model.ArtifactsAPIName, "managedInfrastructureTemplates", model.KindManagedInfrastructureTemplate},
}

// apiNames are the APIs served, each with its api_versions.
var apiNames = []string{model.APIName, model.MonitoringAPIName, model.ProvisioningAPIName, model.ArtifactsAPIName}

// routes builds the router. Routes are grouped by apiRoot (the default one, where a caller sees
// what RBAC lets it read anywhere, and /tenants/{namespace}, scoped to one namespace), API and
// collection with a plain string test, so a request meets only its own collection's two to four
// routes, each matched by a pathPattern rather than mux's regular expressions. A kind a version
// does not have (v1 locations, v1 purge tasks) is a 404 of its handler.
func (h *handler) routes() http.Handler {
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(notFound)
	handle := func(r *mux.Router, template string, m methods) {
		if h.cfg.Traced {
			m.route = strings.ReplaceAll(template, ":[0-9]+", "")
		}
		p := parsePathPattern(template)
		m.pattern = &p
		m.responder = responder{bufs: &h.arrayBuffers}
		r.NewRoute().MatcherFunc(p.Match).Handler(m)
	}
	for _, root := range []string{"", "/tenants/{namespace}"} {
		tenant := root != ""
		for _, c := range collections {
			marker, segment := "/"+c.api+"/v", c.path
			sub := r.MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
				return strings.HasPrefix(req.URL.Path, "/tenants/") == tenant && collectionIs(req.URL.Path, marker, segment)
			}).Subrouter()
			sub.NotFoundHandler = r.NotFoundHandler
			h.collectionRoutes(func(template string, m methods) { handle(sub, template, m) },
				root+"/"+c.api+"/v{version:[0-9]+}/"+c.path, c.kind)
		}
		for _, api := range apiNames {
			handle(r, root+"/"+api+"/api_versions", get("", false, h.apiVersions(api)))
			handle(r, root+"/"+api+"/v{version:[0-9]+}/api_versions", get("", false, h.majorAPIVersions(api)))
		}
		v := root + "/" + model.APIName + "/v{version:[0-9]+}"
		handle(r, v, get("oclouds", true, h.oCloudInfo))
		handle(r, v+"/", get("oclouds", true, h.oCloudInfo))
	}
	return router{mux: r}
}

// collectionRoutes adds the routes of one collection below base with handle.
func (h *handler) collectionRoutes(handle func(template string, m methods), base string, kind model.Kind) {
	res := kind.KubernetesResource()
	item := func(handlers map[string]apiFunc) methods {
		return methods{resource: res, item: true, handlers: handlers}
	}
	switch kind {
	case model.KindSubscription, model.KindAlarmSubscription, model.KindProvisioningSubscription:
		handle(base, methods{resource: res, handlers: map[string]apiFunc{
			http.MethodGet: h.list(kind), http.MethodPost: h.createSubscription(kind)}})
		handle(base+"/{id}", item(map[string]apiFunc{
			http.MethodGet: h.get(kind), http.MethodDelete: h.deleteSubscription(kind)}))
		return
	case model.KindAlarmServiceConfiguration:
		handle(base, item(map[string]apiFunc{
			http.MethodGet: h.getServiceConfiguration, http.MethodPut: h.putServiceConfiguration,
			http.MethodPatch: h.patchServiceConfiguration}))
		return
	case model.KindAlarmEventRecord:
		// Before {id}, which "purge" would match too.
		handle(base+"/purge", methods{resource: model.KindTaskOperation.KubernetesResource(), handlers: map[string]apiFunc{
			http.MethodPost: h.purgeAlarms}})
		handle(base+"/{id}", item(map[string]apiFunc{http.MethodGet: h.getAlarm, http.MethodPatch: h.patchAlarm}))
		handle(base, get(res, false, h.list(kind)))
		return
	case model.KindProvisioningRequest:
		handle(base, methods{resource: res, handlers: map[string]apiFunc{
			http.MethodGet: h.list(kind), http.MethodPost: h.createProvisioningRequest}})
		handle(base+"/{id}", item(map[string]apiFunc{
			http.MethodGet: h.getProvisioningRequest, http.MethodPut: h.putProvisioningRequest,
			http.MethodDelete: h.deleteProvisioningRequest}))
		return
	case model.KindManagedInfrastructureTemplate:
		handle(base+"/{id}/defaults", get(res, true, h.templateDefaults))
		handle(base+"/{id}", get(res, true, h.getTemplate))
		handle(base, get(res, false, h.list(kind)))
		return
	case model.KindResourcePool:
		resources := model.KindResource.KubernetesResource()
		handle(base+"/{poolId}/resources/{id}", get(resources, true, h.getPoolResource))
		handle(base+"/{poolId}/resources", get(resources, false, h.listPoolResources))
	case model.KindResourceType:
		handle(base+"/{id}/alarmDictionary", get(model.KindAlarmDictionary.KubernetesResource(), true, h.resourceTypeAlarmDictionary))
	}
	handle(base+"/{id}", get(res, true, h.get(kind)))
	handle(base, get(res, false, h.list(kind)))
}

func notFound(w http.ResponseWriter, r *http.Request) { respond(w, nil, notFoundProblem(r)) }

func notFoundProblem(r *http.Request) *problem {
	return newProblem(http.StatusNotFound, "no O2-IMS resource at "+r.URL.Path)
}

// collectionIs reports whether path, below the marker ".../{api}/v" and a version number,
// starts with the segment.
func collectionIs(path, marker, segment string) bool {
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
