// Package o2rest serves the O-RAN O2-IMS inventory and monitoring REST APIs from the
// o2ims.oran.org objects: routes as the spec names them (v1 and v2 of each side by side), the
// SOL013 query language, paging, ProblemDetails errors, and the same authentication and RBAC as
// the Kubernetes face.
package o2rest

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

// DefaultPageSize bounds how many items one list response carries; the rest is reached
// through nextpage_opaque_marker.
const DefaultPageSize = 500

// DefaultPageBytes bounds the encoded size of one list response, beside DefaultPageSize: items
// with large extensions could otherwise make a page of 500 cost the server (and the client)
// hundreds of megabytes at once.
const DefaultPageBytes = 8 << 20

// cancelCheckInterval is how many cached objects a list walks between checks that the request
// is still wanted: often enough to stop within a millisecond or so, rarely enough to cost nothing.
const cancelCheckInterval = 64

// Config is what the translator needs.
type Config struct {
	Source *source.Source
	// Following reports whether Source's informers hold the store's current state and
	// receive its changes (cachefeed.Feed.Following); while it is false every request is
	// answered 503 instead of from what the informers last saw. Nil: always.
	Following func() bool
	// Fresh reads the object of resource (its Kubernetes name, e.g. "resourcepools") whose O2
	// id is id from the store's current state (cachefeed.Feed.GetByUnique, a consistent read),
	// for an id Source does not hold: the informers trail the store, and on a replica other
	// than the one that wrote an object they miss it for a while. Nil: a miss is a 404.
	Fresh func(ctx context.Context, resource, id string) (runtime.Object, bool, error)
	// FreshByName is Fresh for the kinds looked up by name in a namespace (a
	// ProvisioningRequest, whose name is its id): cachefeed.Feed.GetByName. Nil: a miss is a 404.
	FreshByName func(ctx context.Context, resource, namespace, name string) (runtime.Object, bool, error)
	// FreshList lists every object of resource as of the store's current state
	// (cachefeed.Feed.ListFresh), for the duplicate-callback check of a subscription POST in
	// the shared namespace, where no name makes the API server refuse a second one. Nil: the
	// check reads the informers only.
	FreshList  func(ctx context.Context, resource string) ([]runtime.Object, error)
	Authorizer authorizer.Authorizer
	// ClientConfig reaches the o2ims.oran.org API with rights to impersonate callers: writes
	// (subscriptions) are made as the caller, so RBAC and admission judge them as they would a
	// kubectl request.
	ClientConfig *rest.Config
	// ClientFor overrides how a client acting as the caller is made (tests); by default it
	// impersonates the caller through ClientConfig.
	ClientFor func(u user.Info) (versioned.Interface, error)
	// APIRoot is the externally visible apiRoot (scheme://host[:port][/prefix]); the O-Cloud
	// info's serviceUri is derived from it.
	APIRoot string
	// SubscriptionNamespace holds subscriptions created through the default apiRoot.
	SubscriptionNamespace string
	// InventoryNamespace holds the operator's inventory: the standard alarm dictionary lives
	// there, and alarm purges requested through the default apiRoot are made there.
	InventoryNamespace string
	// PageSize caps list responses (DefaultPageSize when 0).
	PageSize int
	// PageBytes caps the encoded size of list responses (DefaultPageBytes when 0); a single
	// item larger than that still goes out, alone on its page.
	PageBytes int
	// CallbackChecker, when set, vets subscription callbacks at create time.
	CallbackChecker CallbackChecker
	// Profiles answers the Kubernetes profile of deployment managers (GET
	// deploymentManagers/{id}?profile=k8s, or ?all_fields); nil serves none.
	Profiles ClusterProfiles
	// ProfileSuiteKeys adds the O-RAN SC compliance suite's admin-style profileData keys
	// (SuiteProfileData) beside netweave's own, for suites that check the keys are there.
	ProfileSuiteKeys bool
	// Traced names each request's OpenTelemetry span after the route it matched ("GET
	// /o2ims-infrastructureInventory/v{version}/resourcePools/{id}") and sets http.route. Set it
	// when the chain in front traces requests; unset, routing does no tracing work at all.
	Traced bool
}

type handler struct {
	cfg    Config
	access access
	specs  map[model.Kind]map[int]*kindSpec
	// arrayBuffers recycles the buffers lists are written through (responder.writeArray).
	arrayBuffers chunkBuffers
	// rootPath is the path of the apiRoot (the prefix a gateway in front strips), which the
	// links the face hands out keep (nextPageLink).
	rootPath string
	// subscribeLocks serialises subscription POSTs of one callback by one caller (subscriptions.go).
	subscribeLocks *keyLocks
	// purgeLocks serialises alarm purge POSTs of one namespace (purge.go).
	purgeLocks *keyLocks
}

// NewHandler returns the O2-IMS REST API. It expects the caller's user in the request context:
// serve it behind the API server's handler chain (authentication, audit, priority and fairness,
// timeouts, panic recovery), as pkg/apiserver does.
func NewHandler(cfg Config) http.Handler {
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.PageBytes <= 0 {
		cfg.PageBytes = DefaultPageBytes
	}
	cfg.APIRoot = strings.TrimSuffix(cfg.APIRoot, "/")
	h := &handler{cfg: cfg, access: access{authz: cfg.Authorizer}, specs: newKindSpecs(), subscribeLocks: newKeyLocks(), purgeLocks: newKeyLocks()}
	if u, err := url.Parse(cfg.APIRoot); err == nil {
		h.rootPath = strings.TrimSuffix(u.Path, "/")
	}

	return requireUser(h.whenSynced(h.routes()))
}

// whenSynced answers 503 until the caches hold the inventory (an empty answer would be a lie),
// and while they do not follow the store (an answer could be stale: Redis unreachable, failing
// over or wiped, and the caches not yet listed again).
func (h *handler) whenSynced(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.cfg.Source.HasSynced() {
			respond(w, nil, newProblem(http.StatusServiceUnavailable, "the inventory is still loading").setHeader("Retry-After", "1"))
			return
		}
		if h.cfg.Following != nil && !h.cfg.Following() {
			respond(w, nil, newProblem(http.StatusServiceUnavailable, "the inventory store cannot be read now (unreachable, failing over or reloading); answers are refused rather than served stale").setHeader("Retry-After", "1"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// request is what every handler derives from the URL: the tenant (if any), the inventory
// version, and the apiRoot the caller used.
type request struct {
	tenant  string
	version int
	apiRoot string
}

// parse reads the tenant and version; a version that is not served is a 404, as O2-IMS
// answers it.
func (h *handler) parse(r *http.Request) (request, *problem) {
	vars := pathVars(r)
	req := request{tenant: vars.get("namespace"), apiRoot: h.cfg.APIRoot}
	if req.tenant != "" {
		req.apiRoot += "/tenants/" + req.tenant
	}
	if vars.has("version") {
		v := vars.get("version")
		n, err := strconv.Atoi(v)
		// Only the version's own spelling: v01 is not v1 (a second URI for every object
		// would be a second key for every cache and policy in front).
		if err != nil || strconv.Itoa(n) != v || model.VersionString(n) == "" {
			return req, newProblem(http.StatusNotFound, "API version v"+v+" is not served; see the api_versions of the API")
		}
		req.version = n
	}
	return req, nil
}

// apiVersions serves {apiRoot}/{api}/api_versions.
func (h *handler) apiVersions(api string) apiFunc {
	return func(r *http.Request) (*answer, *problem) {
		req, _ := h.parse(r)
		if _, p := parseQuery(r); p != nil {
			return nil, p
		}
		return okJSON(model.APIVersionsOf(api, req.apiRoot)), nil
	}
}

// majorAPIVersions serves {apiRoot}/{api}/v{N}/api_versions.
func (h *handler) majorAPIVersions(api string) apiFunc {
	return func(r *http.Request) (*answer, *problem) {
		req, p := h.parse(r)
		if p != nil {
			return nil, p
		}
		if _, p := parseQuery(r); p != nil {
			return nil, p
		}
		versions, ok := model.MajorAPIVersions(api, req.apiRoot, req.version)
		if !ok {
			return nil, newProblem(http.StatusNotFound, api+" has no version "+strconv.Itoa(req.version)+"; see its api_versions")
		}
		return okJSON(versions), nil
	}
}
