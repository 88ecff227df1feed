package o2rest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

// spec returns the kind's spec for the request's version, or 404 when the kind does not exist
// in that version (locations and sites are v2 only).
func (h *handler) spec(r *http.Request, kind model.Kind) (request, *kindSpec, *problem) {
	req, p := h.parse(r)
	if p != nil {
		return req, nil, p
	}
	s := h.specs[kind][req.version]
	if s == nil {
		return req, nil, notFoundProblem(r)
	}
	return req, s, nil
}

// listQuery is a parsed list request: filter, attribute selector and page position.
type listQuery struct {
	query    query.Values
	filter   query.Filter
	selector query.Selector
	start    position
	fields   fields.Selector
}

// The query parameters each kind of GET takes. A single object has no filter and no pages;
// the API versions take nothing.
var (
	listParams   = []string{query.ParamFilter, query.ParamFields, query.ParamExcludeFields, query.ParamAllFields, query.ParamExcludeDefault, query.ParamNextPageMarker}
	objectParams = []string{query.ParamFields, query.ParamExcludeFields, query.ParamAllFields, query.ParamExcludeDefault}
	// deploymentManagerParams: one deployment manager also takes the profile (profile.go).
	deploymentManagerParams = append(slices.Clip(objectParams), query.ParamProfile)
)

// parseQuery reads the raw query string, or answers 400 naming the parameter at fault: a query
// that cannot be read exactly must never be served as if it had not been sent. Writes call it
// with no parameter allowed, once the caller is known to be allowed to write there, so that a caller
// without access gets its 403 or 404 whatever it sent.
func parseQuery(r *http.Request, allowed ...string) (query.Values, *problem) {
	q, err := query.ParseRawQuery(r.URL.RawQuery)
	if err == nil {
		err = q.Only(allowed...)
	}
	if err != nil {
		return query.Values{}, queryProblem("", err)
	}
	return q, nil
}

// parseSelector builds the attribute selector of q for s, or answers 400.
func parseSelector(q query.Values, s *kindSpec) (query.Selector, *problem) {
	sel, err := query.ParseSelector(q, s.schema, s.defaults)
	if err != nil {
		return query.Selector{}, queryProblem("", err)
	}
	return sel, nil
}

func (h *handler) parseListQuery(r *http.Request, s *kindSpec) (*listQuery, *problem) {
	q, p := parseQuery(r, listParams...)
	if p != nil {
		return nil, p
	}
	filter := q.Filter()
	if err := filter.Validate(s.schema); err != nil {
		return nil, queryProblem(query.ParamFilter, err)
	}
	sel, p := parseSelector(q, s)
	if p != nil {
		return nil, p
	}
	start, err := decodeMarker(q)
	if err != nil {
		return nil, queryProblem(query.ParamNextPageMarker, err)
	}
	lq := &listQuery{query: q, selector: sel, start: start}
	lq.fields, lq.filter = s.split(filter)
	return lq, nil
}

// split moves the terms an index can answer (eq on a field the API can select by) out of the
// filter. The index folds UUIDs to lower case as eq does, so ids are pushed down too; a value
// equal to what an empty field renders as stays in memory, since the stored field may be empty.
func (s *kindSpec) split(f query.Filter) (fields.Selector, query.Filter) {
	var reqs []fields.Selector
	var rest query.Filter
	for _, t := range f {
		fs, ok := s.pushdown[t.Path.String()]
		single := len(t.Values) == 1 && (t.Op == query.OpEq || t.Op == query.OpIn)
		if !ok || !single || t.Values[0] == fs.Empty || t.Values[0] == "" || (fs.Integer && !canonicalInteger(t.Values[0])) {
			rest = append(rest, t)
			continue
		}
		reqs = append(reqs, fields.OneTermEqualSelector(fs.Field, source.IndexValue(t.Values[0])))
	}
	if len(reqs) == 0 {
		return nil, rest
	}
	return fields.AndSelectors(reqs...), rest
}

// canonicalInteger reports whether v is an integer in the decimal form a field holds it in.
func canonicalInteger(v string) bool {
	n, err := strconv.ParseInt(v, 10, 64)
	return err == nil && strconv.FormatInt(n, 10) == v
}

// list serves a collection.
func (h *handler) list(kind model.Kind) apiFunc {
	return func(r *http.Request) (*answer, *problem) {
		req, s, p := h.spec(r, kind)
		if p != nil {
			return nil, p
		}
		return h.serveList(r, req, s, nil)
	}
}

// serveList answers a list request; extra narrows the candidates further (a pool's resources).
func (h *handler) serveList(r *http.Request, req request, s *kindSpec, extra fields.Selector) (*answer, *problem) {
	lq, p := h.parseListQuery(r, s)
	if p != nil {
		return nil, p
	}
	sc, p := h.scopeFor(r, req, "list", s.resource)
	if p != nil {
		return nil, p
	}
	sel := lq.fields
	if extra != nil {
		if sel == nil {
			sel = extra
		} else {
			sel = fields.AndSelectors(sel, extra)
		}
	}
	objs, err := h.cfg.Source.List(s.source, sc.namespace(), sel)
	if err != nil {
		return nil, internalProblem(err, "list "+string(s.kind))
	}
	plain := lq.query.DefaultSelection()
	ctx := r.Context()
	pg := newPage(h.cfg.PageSize, h.cfg.PageBytes, lq.start, len(objs))
	next := ""
	for i, obj := range objs {
		// A list walks the whole cache (rendering, filtering, authorizing namespaces): stop as
		// soon as nobody waits for the answer, instead of finishing it for a closed connection.
		if i%cancelCheckInterval == 0 {
			if err := ctx.Err(); err != nil {
				return nil, cancelledProblem(err)
			}
		}
		key := source.Key(obj)
		if lq.start.after != "" && key <= lq.start.after {
			continue
		}
		if !sc.sees(obj) || s.gone(obj) {
			continue
		}
		doc, err := h.render(s, obj, req, sc)
		if err != nil {
			klog.ErrorS(err, "render O2 document", "kind", s.kind)
			continue
		}
		if !lq.filter.Holds(doc.doc) {
			continue
		}
		item := doc.json
		if !plain || item == nil {
			if item, err = json.Marshal(lq.selector.Apply(doc.doc)); err != nil {
				return nil, internalProblem(err, "encode the response", "kind", s.kind)
			}
		}
		if !pg.add(key, item) {
			next = pg.last
			break
		}
	}
	a := &answer{status: http.StatusOK, items: pg.served(), array: true}
	if next != "" {
		a.setHeader("Link", nextPageLink(r, h.rootPath, lq.query, next))
	}
	return a, nil
}

// get serves one object by O2 id. An object the caller may not read is reported exactly like
// one that does not exist, so ids cannot be probed across tenants.
func (h *handler) get(kind model.Kind) apiFunc {
	return func(r *http.Request) (*answer, *problem) {
		req, s, p := h.spec(r, kind)
		if p != nil {
			return nil, p
		}
		obj, sc, p := h.lookup(r, req, s, pathVars(r).get("id"))
		if p != nil {
			return nil, p
		}
		return h.serveObject(r, req, s, sc, obj)
	}
}

// lookup finds a visible object by id, or answers 404.
func (h *handler) lookup(r *http.Request, req request, s *kindSpec, id string) (runtime.Object, *scope, *problem) {
	sc, p := h.scopeFor(r, req, "get", s.resource)
	if p != nil {
		return nil, nil, p
	}
	obj, found := h.cfg.Source.Get(s.source, id)
	if (!found || !sc.sees(obj) || s.gone(obj)) && h.cfg.Fresh != nil {
		// The informers may trail the store: an object another replica has just written (an
		// SMO's POST answered there, its GET or DELETE sent here) is not in them yet, and a
		// 404 would tell the SMO it does not exist. So every 404 is checked against the store,
		// also one for an object the caller may not see: answered at once for those and after
		// a store read for ids nobody holds, a 404 would tell a tenant which ids others hold.
		var err error
		if obj, found, err = h.cfg.Fresh(r.Context(), s.resource, id); err != nil {
			klog.V(2).InfoS("O2 lookup could not confirm a miss against the store", "resource", s.resource, "id", id, "err", err)
			return nil, nil, newProblem(http.StatusServiceUnavailable, "the inventory store cannot be read now; "+string(s.kind)+" "+id+" may exist").setHeader("Retry-After", "1")
		}
	}
	if !found || !sc.sees(obj) || s.gone(obj) {
		return nil, nil, newProblem(http.StatusNotFound, string(s.kind)+" "+id+" not found").attr(idAttribute(s.kind), id)
	}
	return obj, sc, nil
}

func (h *handler) serveObject(r *http.Request, req request, s *kindSpec, sc *scope, obj runtime.Object) (*answer, *problem) {
	allowed := objectParams
	if s.kind == model.KindDeploymentManager {
		allowed = deploymentManagerParams
	}
	q, p := parseQuery(r, allowed...)
	if p != nil {
		return nil, p
	}
	profile, explicit, p := h.profileRequested(q, s)
	if p != nil {
		return nil, p
	}
	doc, err := h.render(s, obj, req, sc)
	if err != nil {
		return nil, internalProblem(err, "render "+string(s.kind))
	}
	if doc.json != nil && q.DefaultSelection() && profile == "" {
		return &answer{status: http.StatusOK, raw: doc.json}, nil
	}
	sel, p := parseSelector(q, s)
	if p != nil {
		return nil, p
	}
	out := sel.Apply(doc.doc)
	if profile != "" {
		// Rendered per request and never cached: it may carry a freshly issued token.
		if out, p = h.withProfile(r.Context(), req, sc, s, obj, out, profile, explicit); p != nil {
			return nil, p
		}
	}
	return okJSON(out), nil
}

// rendered is an object's O2 document and, when it depends on nothing but the object, its
// JSON with the default attribute selection (what a request without selectors gets).
type rendered struct {
	doc  map[string]any
	json []byte
	// full is the unredacted view, for callers who may read credentials; nil when the
	// document holds none (doc is then the whole document).
	full *rendered
}

// render maps obj to its O2 document. Documents that depend only on the object version are
// derived once per version and shared (never modified: filters and selectors copy); the
// O-Cloud (serviceUri follows the apiRoot) and locations and sites (related ids depend on
// the caller's scope) are rendered per request.
func (h *handler) render(s *kindSpec, obj runtime.Object, req request, sc *scope) (*rendered, error) {
	switch s.kind {
	case model.KindOCloudInfo, model.KindLocationInfo, model.KindOCloudSiteInfo:
		doc, err := s.document(obj, req.apiRoot, h.related(sc, obj))
		if err != nil {
			return nil, err
		}
		return &rendered{doc: sc.redact(s, obj, doc)}, nil
	}
	v, err := h.cfg.Source.Derived(s.source, obj, s.memoKey, func() (any, error) {
		doc, err := s.document(obj, req.apiRoot, related{})
		if err != nil {
			return nil, err
		}
		return renderViews(s, doc, func(doc map[string]any) (*rendered, error) {
			sel, err := query.ParseSelector(query.Values{}, s.schema, s.defaults)
			if err != nil {
				return nil, err
			}
			buf, err := json.Marshal(sel.Apply(doc))
			if err != nil {
				return nil, err
			}
			return &rendered{doc: doc, json: buf}, nil
		})
	})
	if err != nil {
		return nil, err
	}
	r := sc.view(s, obj, v.(*rendered))
	if s.kind == model.KindResourceType && s.version == model.Version1 {
		return h.withAlarmDictionary(r, obj, sc), nil
	}
	return r, nil
}

// listPoolResources serves {pool}/resources: 404 when the pool is unknown or invisible.
func (h *handler) listPoolResources(r *http.Request) (*answer, *problem) {
	req, pools, p := h.spec(r, model.KindResourcePool)
	if p != nil {
		return nil, p
	}
	pool, _, p := h.lookup(r, req, pools, pathVars(r).get("poolId"))
	if p != nil {
		return nil, p
	}
	s := h.specs[model.KindResource][req.version]
	id := pool.(*v1alpha1.ResourcePool).Spec.ResourcePoolID
	return h.serveList(r, req, s, fields.OneTermEqualSelector("spec.resourcePoolId", source.IndexValue(id)))
}

// getPoolResource serves {pool}/resources/{id}: the resource must belong to that pool.
func (h *handler) getPoolResource(r *http.Request) (*answer, *problem) {
	req, pools, p := h.spec(r, model.KindResourcePool)
	if p != nil {
		return nil, p
	}
	poolID := pathVars(r).get("poolId")
	if _, _, p := h.lookup(r, req, pools, poolID); p != nil {
		return nil, p
	}
	s := h.specs[model.KindResource][req.version]
	id := pathVars(r).get("id")
	obj, sc, p := h.lookup(r, req, s, id)
	if p != nil {
		return nil, p
	}
	if !strings.EqualFold(obj.(*v1alpha1.O2Resource).Spec.ResourcePoolID, poolID) {
		return nil, newProblem(http.StatusNotFound, "Resource "+id+" not found in resource pool "+poolID).attr("resourceId", id).attr("resourcePoolId", poolID)
	}
	return h.serveObject(r, req, s, sc, obj)
}

// oCloudInfo serves the root of a version: the O-Cloud. Reading it needs get on oclouds, or,
// on a tenant apiRoot, read access to that tenant's resource pools (a tenant-only SMO must be
// able to learn which O-Cloud it talks to).
func (h *handler) oCloudInfo(r *http.Request) (*answer, *problem) {
	req, s, p := h.spec(r, model.KindOCloudInfo)
	if p != nil {
		return nil, p
	}
	ctx := r.Context()
	allowed, err := h.access.allowed(ctx, "get", "oclouds", "", "default")
	if err == nil && !allowed && req.tenant != "" {
		allowed, err = h.access.allowed(ctx, "list", "resourcepools", req.tenant, "")
	}
	if err != nil {
		return nil, authorizerProblem(err)
	}
	if !allowed {
		return nil, newProblem(http.StatusForbidden, "not allowed to read the O-Cloud")
	}
	objs, err := h.cfg.Source.List(source.OCloud, "", nil)
	if err != nil || len(objs) == 0 {
		return nil, newProblem(http.StatusNotFound, "the O-Cloud is not configured (no OCloud object)")
	}
	q, p := parseQuery(r, objectParams...)
	if p != nil {
		return nil, p
	}
	sel, p := parseSelector(q, s)
	if p != nil {
		return nil, p
	}
	doc, err := s.document(objs[0], req.apiRoot, related{})
	if err != nil {
		return nil, internalProblem(err, "render the O-Cloud")
	}
	// The O-Cloud is read outside a list or lookup scope; a bare one memoises the credentials
	// question like any other.
	doc = (&scope{h: h, ctx: ctx}).redact(s, objs[0], doc)
	return okJSON(sel.Apply(doc)), nil
}

// related computes derived id lists: a location's sites and a site's pools, as far as the
// caller may see them: as far as it may list sites (pools), whatever it may read of locations
// (sites).
func (h *handler) related(sc *scope, obj runtime.Object) related {
	var kind source.Kind
	var field, id string
	var resource model.Kind
	switch o := obj.(type) {
	case *v1alpha1.Location:
		kind, resource, field, id = source.OCloudSite, model.KindOCloudSiteInfo, "spec.globalLocationId", o.Spec.GlobalLocationID
	case *v1alpha1.OCloudSite:
		kind, resource, field, id = source.ResourcePool, model.KindResourcePool, "spec.oCloudSiteId", o.Spec.OCloudSiteID
	default:
		return related{}
	}
	objs, err := h.cfg.Source.List(kind, sc.namespace(), fields.OneTermEqualSelector(field, source.IndexValue(id)))
	if err != nil {
		return related{}
	}
	rs := sc.relatedScope(resource.KubernetesResource())
	rel := related{ids: make([]string, 0, len(objs))}
	for _, o := range objs {
		if !rs.permits(namespaceOf(o)) {
			continue
		}
		switch v := o.(type) {
		case *v1alpha1.OCloudSite:
			rel.ids = append(rel.ids, v.Spec.OCloudSiteID)
		case *v1alpha1.ResourcePool:
			rel.ids = append(rel.ids, v.Spec.ResourcePoolID)
		}
	}
	return rel
}

func idAttribute(kind model.Kind) string {
	switch kind {
	case model.KindOCloudInfo:
		return "oCloudId"
	case model.KindLocationInfo:
		return "globalLocationId"
	case model.KindSubscription:
		return "subscriptionId"
	case model.KindOCloudSiteInfo:
		return "oCloudSiteId"
	case model.KindAlarmSubscription:
		return "alarmSubscriptionId"
	case model.KindTaskOperation:
		return "id"
	case model.KindProvisioningRequest:
		return "provisioningRequestId"
	case model.KindProvisioningSubscription:
		return "subscriptionId"
	}
	k := string(kind)
	return strings.ToLower(k[:1]) + k[1:] + "Id"
}

func namespaceOf(obj runtime.Object) string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return ""
	}
	return m.GetNamespace()
}
