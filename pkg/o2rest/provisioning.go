package o2rest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	o2imsv1alpha1 "github.com/netweave-io/netweave/generated/clientset/versioned/typed/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

// The o2ims.oran.org resources of the provisioning and artifacts APIs.
var (
	provisioningRequests = model.KindProvisioningRequest.KubernetesResource()
	templates            = model.KindManagedInfrastructureTemplate.KubernetesResource()
)

// maxProvisioningBody bounds a ProvisioningRequestData: template parameters are a cluster's
// variables, a few kilobytes.
const maxProvisioningBody = 1 << 20

// Provisioning requests (O2-IMS infrastructureProvisioning v1). Every operation of an apiRoot
// acts in exactly one namespace: the tenant's on /tenants/{namespace}, the inventory namespace
// (--inventory-namespace) on the default apiRoot. The SMO chooses the id, which is the object's
// name, so it is unique per namespace only: the same id may be used by two tenants, and a 409
// tells a caller only about its own namespace. Writes are made as the caller, so RBAC,
// admission (the namespaces where provisioning is allowed, the template and its parameter
// schema) and audit judge them as they would the same kubectl request. A request's ETag is its
// resourceVersion, as for alarms.

// provisioningNamespace is the namespace of the apiRoot's provisioning requests.
func (h *handler) provisioningNamespace(req request) string {
	if req.tenant != "" {
		return req.tenant
	}
	return h.cfg.InventoryNamespace
}

// provisioningRequestURI is the request's URI under the apiRoot the caller used.
func provisioningRequestURI(req request, id string) string {
	return req.apiRoot + "/" + model.ProvisioningAPIName + "/v" + strconv.Itoa(req.version) + "/" + collectionOf(model.KindProvisioningRequest) + "/" + id
}

// lookupProvisioningRequest finds the request id of the apiRoot's namespace the caller may
// read, or answers 404 (403 on a tenant root without any access).
func (h *handler) lookupProvisioningRequest(r *http.Request, req request, s *kindSpec, verb, id string) (*v1alpha1.ProvisioningRequest, *scope, *problem) {
	sc, p := h.scopeFor(r, req, verb, s.resource)
	if p != nil {
		return nil, nil, p
	}
	ns := h.provisioningNamespace(req)
	name := strings.ToLower(id)
	obj, found := h.cfg.Source.GetByName(source.ProvisioningRequest, ns, name)
	if (!found || !sc.sees(obj)) && h.cfg.FreshByName != nil {
		// As lookup does: a request another replica has just created is not in this
		// replica's informers yet, and is not a 404 (nor one answered faster for a request
		// the caller may not see than for none).
		var err error
		if obj, found, err = h.cfg.FreshByName(r.Context(), s.resource, ns, name); err != nil {
			klog.V(2).InfoS("O2 lookup could not confirm a miss against the store", "resource", s.resource, "name", name, "err", err)
			return nil, nil, newProblem(http.StatusServiceUnavailable, "the inventory store cannot be read now; ProvisioningRequest "+id+" may exist").setHeader("Retry-After", "1")
		}
	}
	if !found || !sc.sees(obj) {
		return nil, nil, provisioningGone(id)
	}
	return obj.(*v1alpha1.ProvisioningRequest), sc, nil
}

// getProvisioningRequest serves one request, with its ETag.
func (h *handler) getProvisioningRequest(r *http.Request) (*answer, *problem) {
	req, s, p := h.spec(r, model.KindProvisioningRequest)
	if p != nil {
		return nil, p
	}
	pr, sc, p := h.lookupProvisioningRequest(r, req, s, "get", pathVars(r).get("id"))
	if p != nil {
		return nil, p
	}
	a, p := h.serveObject(r, req, s, sc, pr)
	if p != nil {
		return nil, p
	}
	return a.setHeader("ETag", etag(pr)), nil
}

// createProvisioningRequest serves a POST of a ProvisioningRequestData: 201 with the request's
// Location, its ProvisioningRequestInfo (PENDING) and ETag; 409 when the id is taken in the
// namespace.
func (h *handler) createProvisioningRequest(r *http.Request) (*answer, *problem) {
	req, s, p := h.spec(r, model.KindProvisioningRequest)
	if p != nil {
		return nil, p
	}
	ns := h.provisioningNamespace(req)
	ctx := r.Context()
	// Authorisation first, as the API server authorises before it reads a body: a caller who
	// may not create here gets 403 whatever it sent, and neither the body's checks nor the
	// duplicate check answer it.
	allowed, err := h.access.allowed(ctx, "create", s.resource, ns, "")
	if err != nil {
		return nil, authorizerProblem(err)
	}
	if !allowed {
		return nil, newProblem(http.StatusForbidden, "not allowed to create "+s.resource+" in namespace "+ns)
	}
	if _, p := parseQuery(r); p != nil {
		return nil, p
	}
	body, p := decodeProvisioningRequestData(r)
	if p != nil {
		return nil, p
	}
	exists := newProblem(http.StatusConflict, "a provisioning request with this provisioningRequestId already exists").attr("provisioningRequestId", body.id)
	if _, found := h.cfg.Source.GetByName(source.ProvisioningRequest, ns, body.id); found {
		return nil, exists
	}
	client, err := h.clientAs(ctx)
	if err != nil {
		return nil, internalProblem(err, "create the provisioning request")
	}
	created, err := client.O2imsV1alpha1().ProvisioningRequests(ns).Create(ctx, &v1alpha1.ProvisioningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: body.id, Namespace: ns},
		Spec:       body.spec(),
	}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil, exists
	}
	if err != nil {
		// 400, not PUT's 422: the contract declares 400 for a POST whose body is refused and
		// no 422 (ProvisioningRequest POST: 201, 400, 401, 403, 409, 500).
		return nil, provisioningRefusal(err, "create the provisioning request", http.StatusBadRequest)
	}
	h.awaitWritten(ctx, source.ProvisioningRequest, created)
	a := &answer{status: http.StatusCreated, doc: h.provisioningDoc(ctx, s, created)}
	return a.setHeader("Location", provisioningRequestURI(req, body.id)).setHeader("ETag", etag(created)), nil
}

// putProvisioningRequest replaces a request's data (a new templateVersion upgrades its
// cluster): 422 when the body's id is not the URI's or templateName changes, 412 when If-Match
// names another version, 422 when the request is being deleted (the contract declares no 409
// for the PUT).
func (h *handler) putProvisioningRequest(r *http.Request) (*answer, *problem) {
	t, p := h.provisioningTarget(r, "update the provisioning request")
	if p != nil {
		return nil, p
	}
	s, cur, prs, id := t.spec, t.request, t.requests, t.id
	body, p := decodeProvisioningRequestData(r)
	if p != nil {
		return nil, p
	}
	if body.id != strings.ToLower(id) {
		return nil, newProblem(http.StatusUnprocessableEntity, "provisioningRequestId "+body.id+" of the body is not the provisioningRequestId "+id+" of the URI").
			attr("provisioningRequestId", body.id)
	}
	ctx := r.Context()
	w := conditionalWrite[*v1alpha1.ProvisioningRequest]{
		ifMatch: ifMatchHeader(r),
		fresh: func(ctx context.Context) (*v1alpha1.ProvisioningRequest, error) {
			return prs.Get(ctx, cur.Name, metav1.GetOptions{})
		},
		change: func(cur *v1alpha1.ProvisioningRequest) (*v1alpha1.ProvisioningRequest, *problem) {
			// The controller only tears a request being deleted down: a new templateVersion or
			// new parameters would never be applied, so the PUT must not say 200. Checked on the
			// version written (the API server refuses a spec change of it too, and a race with
			// the DELETE reads it again here).
			if cur.DeletionTimestamp != nil {
				return nil, newProblem(http.StatusUnprocessableEntity, "provisioning request "+cur.Name+
					" is being deleted (DELETING): it can no longer change; make a new request once it is gone").attr("provisioningRequestId", cur.Name)
			}
			if cur.Spec.TemplateName != body.templateName {
				return nil, newProblem(http.StatusUnprocessableEntity, "templateName cannot change (from "+cur.Spec.TemplateName+" to "+body.templateName+
					"): a provisioning request builds from one template; change templateVersion to upgrade, or make a new request").attr("field", "templateName")
			}
			next := cur.DeepCopy()
			next.Spec = body.spec()
			return next, nil
		},
		write: func(ctx context.Context, obj *v1alpha1.ProvisioningRequest) (*v1alpha1.ProvisioningRequest, error) {
			return prs.Update(ctx, obj, metav1.UpdateOptions{})
		},
		problem: provisioningProblem,
	}
	updated, p := w.run(ctx, cur, "update the provisioning request")
	if p != nil {
		return nil, p
	}
	h.awaitWritten(ctx, source.ProvisioningRequest, updated)
	return okJSON(h.provisioningDoc(ctx, s, updated)).setHeader("ETag", etag(updated)), nil
}

// deleteProvisioningRequest starts the deprovisioning: 202 with the request's Location, which
// shows DELETING while the controller removes what was provisioned and 404 once it is gone;
// 412 when If-Match names another version; 404 when the request is already gone.
func (h *handler) deleteProvisioningRequest(r *http.Request) (*answer, *problem) {
	t, p := h.provisioningTarget(r, "delete the provisioning request")
	if p != nil {
		return nil, p
	}
	req, pr, prs := t.req, t.request, t.requests
	ctx := r.Context()
	// The uid precondition deletes the request looked up, not a namesake made since.
	uid := pr.UID
	pre := &metav1.Preconditions{UID: &uid}
	// If-Match makes the deletion conditional, as it makes a PUT: a client that names the
	// version it read must not tear down a cluster someone has changed since (412). The
	// version it names is the server's precondition, so a change racing the DELETE is caught
	// by the server, not by the cache. "*" names any version.
	ifMatch := ifMatchHeader(r)
	if ifMatch != "" && !ifMatchAny(ifMatch) {
		rv := pr.ResourceVersion
		if !etagMatches(ifMatch, rv) {
			fresh, err := prs.Get(ctx, pr.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return nil, provisioningGone(pr.Name)
			}
			if err != nil {
				return nil, provisioningProblem(err, "delete the provisioning request")
			}
			if fresh.UID != uid || !etagMatches(ifMatch, fresh.ResourceVersion) {
				return nil, preconditionProblem()
			}
			rv = fresh.ResourceVersion
		}
		pre.ResourceVersion = &rv
	}
	err := prs.Delete(ctx, pr.Name, metav1.DeleteOptions{Preconditions: pre})
	switch {
	case apierrors.IsNotFound(err):
		// Gone since the cache saw it (another replica's DELETE finished): 404, as the
		// contract says and as the lookup answers once the cache has caught up, not a 202
		// whose Location is a 404. With If-Match too: a precondition is not evaluated when
		// the request without it fails (RFC 9110 13.2.1), and the contract declares no 412
		// for the DELETE.
		return nil, provisioningGone(pr.Name)
	case ifMatch != "" && apierrors.IsConflict(err):
		return nil, preconditionProblem()
	case err != nil:
		return nil, provisioningProblem(err, "delete the provisioning request")
	}
	// The caller's next GET shows DELETING (or 404).
	h.awaitObject(ctx, source.ProvisioningRequest, pr.Namespace, pr.Name, func(obj runtime.Object) bool {
		m, err := meta.Accessor(obj)
		return obj == nil || err != nil || m.GetUID() != uid || m.GetDeletionTimestamp() != nil
	})
	return (&answer{status: http.StatusAccepted, noBody: true}).setHeader("Location", provisioningRequestURI(req, pr.Name)), nil
}

// provisioningGone is the 404 of request id, as lookupProvisioningRequest answers it.
func provisioningGone(id string) *problem {
	return newProblem(http.StatusNotFound, "ProvisioningRequest "+id+" not found").attr("provisioningRequestId", id)
}

// provisioningTarget is the request a PUT or DELETE acts on, found as the caller may get it,
// with the client that writes it as the caller.
type provisioningTarget struct {
	req      request
	spec     *kindSpec
	id       string
	request  *v1alpha1.ProvisioningRequest
	requests o2imsv1alpha1.ProvisioningRequestInterface
}

// provisioningTarget looks up the request of the URI for a write that does what.
func (h *handler) provisioningTarget(r *http.Request, what string) (*provisioningTarget, *problem) {
	req, s, p := h.spec(r, model.KindProvisioningRequest)
	if p != nil {
		return nil, p
	}
	id := pathVars(r).get("id")
	cur, _, p := h.lookupProvisioningRequest(r, req, s, "get", id)
	if p != nil {
		return nil, p
	}
	// The query only once the caller may see the request, as a POST reads it only once the
	// caller may create: a caller without access gets 403 (or 404) whatever it sent.
	if _, p := parseQuery(r); p != nil {
		return nil, p
	}
	client, err := h.clientAs(r.Context())
	if err != nil {
		return nil, internalProblem(err, what)
	}
	return &provisioningTarget{req: req, spec: s, id: id, request: cur,
		requests: client.O2imsV1alpha1().ProvisioningRequests(cur.Namespace)}, nil
}

// provisioningDoc renders a request just written for the writer, redacted as its reads are.
func (h *handler) provisioningDoc(ctx context.Context, s *kindSpec, pr *v1alpha1.ProvisioningRequest) map[string]any {
	doc, _ := s.document(pr, "", related{})
	return (&scope{h: h, ctx: ctx}).redact(s, pr, doc)
}

// provisioningRequestData is a decoded ProvisioningRequestData.
type provisioningRequestData struct {
	id, name, description, templateName, templateVersion string
	templateParameters                                   json.RawMessage
}

func (d *provisioningRequestData) spec() v1alpha1.ProvisioningRequestSpec {
	return v1alpha1.ProvisioningRequestSpec{
		ProvisioningRequestID: d.id, Name: d.name, Description: d.description,
		TemplateName: d.templateName, TemplateVersion: d.templateVersion,
		TemplateParameters: &v1alpha1.JSON{Raw: d.templateParameters},
	}
}

// decodeProvisioningRequestData reads a POST or PUT body strictly, as its schema says: a JSON
// object with exactly the six attributes (additionalProperties false, all required),
// provisioningRequestId a UUID (read in lower case: it is the object's name), name,
// templateName and templateVersion not empty, templateParameters an object. Anything else is a
// 400 naming the attribute.
func decodeProvisioningRequestData(r *http.Request) (*provisioningRequestData, *problem) {
	if p := checkMediaType(r, "application/json"); p != nil {
		return nil, p
	}
	members, p := decodeMembers(r, maxProvisioningBody, "ProvisioningRequestData")
	if p != nil {
		return nil, p
	}
	d := &provisioningRequestData{}
	fieldProblem := func(name, why string) *problem {
		return newProblem(http.StatusBadRequest, name+" "+why).attr("field", name)
	}
	for name, raw := range members {
		var dst *string
		switch name {
		case "provisioningRequestId":
			dst = &d.id
		case "name":
			dst = &d.name
		case "description":
			dst = &d.description
		case "templateName":
			dst = &d.templateName
		case "templateVersion":
			dst = &d.templateVersion
		case "templateParameters":
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
				return nil, fieldProblem(name, "must be a JSON object")
			}
			d.templateParameters = raw
			continue
		default:
			return nil, newProblem(http.StatusBadRequest, "unknown field "+name+": ProvisioningRequestData allows no additional properties").attr("field", name)
		}
		// null is not a string, though it decodes into one as nothing.
		if err := json.Unmarshal(raw, dst); err != nil || string(raw) == "null" {
			return nil, fieldProblem(name, "must be a string")
		}
	}
	for _, name := range []string{"provisioningRequestId", "name", "description", "templateName", "templateVersion", "templateParameters"} {
		if _, ok := members[name]; !ok {
			return nil, fieldProblem(name, "is required")
		}
	}
	if !validation.IsUUID(d.id) {
		return nil, fieldProblem("provisioningRequestId", "must be a UUID, not "+strconv.Quote(d.id))
	}
	d.id = strings.ToLower(d.id)
	for name, v := range map[string]string{"name": d.name, "templateName": d.templateName, "templateVersion": d.templateVersion} {
		if v == "" {
			return nil, fieldProblem(name, "must not be empty")
		}
	}
	return d, nil
}

// provisioningProblem maps a refusal of a provisioning write. Field validation and admission's
// checks (the template must exist, templateParameters must satisfy its parameterSchema,
// templateName is immutable) are 422 with the fields as O2 attribute paths
// (spec.templateParameters.size.workers → templateParameters/size/workers), in the detail and,
// comma-separated, in additionalAttributes.fields; anything else as every O2 write maps it.
func provisioningProblem(err error, what string) *problem {
	return provisioningRefusal(err, what, http.StatusUnprocessableEntity)
}

// provisioningRefusal is provisioningProblem with the status of a refused body given.
func provisioningRefusal(err error, what string, invalid int) *problem {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || !apierrors.IsInvalid(err) {
		return apiProblem(err, what)
	}
	st := status.Status()
	if st.Details == nil || len(st.Details.Causes) == 0 {
		return newProblem(invalid, st.Message)
	}
	var msgs, fields []string
	for _, c := range st.Details.Causes {
		if c.Field == "" {
			msgs = append(msgs, c.Message)
			continue
		}
		f := o2AttributePath(c.Field)
		msgs = append(msgs, f+": "+c.Message)
		fields = append(fields, f)
	}
	p := newProblem(invalid, "the provisioning request is invalid: "+strings.Join(msgs, "; "))
	if len(fields) > 0 {
		p.attr("fields", strings.Join(fields, ","))
	}
	return p
}

// o2AttributePath turns a Kubernetes field path of a ProvisioningRequest into the O2 attribute
// path of ProvisioningRequestData: spec. is dropped, segments are joined with "/" (a bracketed
// key or index is a segment), and metadata.name is provisioningRequestId.
func o2AttributePath(field string) string {
	if field == "metadata.name" {
		return "provisioningRequestId"
	}
	if !strings.HasPrefix(field, "spec.") {
		return field
	}
	rest := strings.TrimPrefix(field, "spec.")
	var segs []string
	var cur strings.Builder
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; c {
		case '.':
			if cur.Len() > 0 {
				segs = append(segs, cur.String())
				cur.Reset()
			}
		case '[':
			if cur.Len() > 0 {
				segs = append(segs, cur.String())
				cur.Reset()
			}
			end := strings.IndexByte(rest[i:], ']')
			if end < 0 {
				cur.WriteString(rest[i:])
				i = len(rest)
				continue
			}
			segs = append(segs, rest[i+1:i+end])
			i += end
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		segs = append(segs, cur.String())
	}
	return strings.Join(segs, "/")
}

// awaitWritten waits (bounded) until the translator's cache holds obj's version or a later
// one, so the writer reads its own write.
func (h *handler) awaitWritten(ctx context.Context, kind source.Kind, obj metav1.Object) {
	written, err := strconv.ParseUint(obj.GetResourceVersion(), 10, 64)
	if err != nil {
		return
	}
	h.awaitObject(ctx, kind, obj.GetNamespace(), obj.GetName(), func(cached runtime.Object) bool {
		m, err := meta.Accessor(cached)
		if cached == nil || err != nil {
			return false
		}
		rv, err := strconv.ParseUint(m.GetResourceVersion(), 10, 64)
		return err != nil || rv >= written
	})
}

// awaitObject waits (bounded) until done accepts the cached object namespace/name (nil while
// there is none).
func (h *handler) awaitObject(ctx context.Context, kind source.Kind, namespace, name string, done func(runtime.Object) bool) {
	_ = wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, cacheWait, true, func(context.Context) (bool, error) {
		obj, _ := h.cfg.Source.GetByName(kind, namespace, name)
		return done(obj), nil
	})
}

// Managed infrastructure templates (O2-IMS infrastructureArtifacts v1). The templates of an
// apiRoot are those its provisioning requests may use: on the default apiRoot the inventory
// namespace's, on a tenant root the tenant's own and the inventory namespace's (the operator's
// offer to every tenant), each as far as RBAC lets the caller list or get templates there. A
// tenant root where the caller may read neither is 403. A template's id is "<name>.<version>"
// (its object name); its artifactResourceId is accepted too. Where the tenant and the
// inventory namespace both hold a template of that id, the tenant's is served, as admission
// resolves a request's template.

// templateScope completes s for templates on req's apiRoot.
func (h *handler) templateScope(s *scope, req request) (*scope, *problem) {
	// Not one tenant's scope: each namespace is decided on its own.
	s.tenant = ""
	s.within = []string{h.cfg.InventoryNamespace}
	if req.tenant != "" && req.tenant != h.cfg.InventoryNamespace {
		s.within = []string{req.tenant, h.cfg.InventoryNamespace}
	}
	all, err := h.access.allowed(s.ctx, s.verb, s.resource, "", "")
	if err != nil {
		return nil, authorizerProblem(err)
	}
	s.all = all
	if req.tenant != "" && !s.permits(req.tenant) && !s.permits(h.cfg.InventoryNamespace) {
		return nil, newProblem(http.StatusForbidden, "not allowed to "+s.verb+" "+s.resource+" in tenant "+req.tenant+" or the inventory namespace")
	}
	return s, nil
}

// lookupTemplate finds the template id (name.version or artifactResourceId) of the apiRoot.
func (h *handler) lookupTemplate(r *http.Request, req request, s *kindSpec, id string) (*v1alpha1.ManagedInfrastructureTemplate, *scope, *problem) {
	sc, p := h.scopeFor(r, req, "get", s.resource)
	if p != nil {
		return nil, nil, p
	}
	var candidates []runtime.Object
	if validation.IsUUID(id) {
		objs, err := h.cfg.Source.List(source.ManagedInfrastructureTemplate, "", fields.OneTermEqualSelector("spec.artifactResourceId", source.IndexValue(id)))
		if err != nil {
			return nil, nil, internalProblem(err, "look up the template")
		}
		candidates = objs
	}
	for _, ns := range sc.within {
		if obj, found := h.cfg.Source.GetByName(source.ManagedInfrastructureTemplate, ns, id); found {
			candidates = append(candidates, obj)
		}
	}
	// In the order of sc.within: the tenant's first.
	for _, ns := range sc.within {
		for _, obj := range candidates {
			if namespaceOf(obj) == ns && sc.sees(obj) {
				return obj.(*v1alpha1.ManagedInfrastructureTemplate), sc, nil
			}
		}
	}
	return nil, nil, newProblem(http.StatusNotFound, "ManagedInfrastructureTemplate "+id+" not found").attr("managedInfrastructureTemplateId", id)
}

// getTemplate serves one template.
func (h *handler) getTemplate(r *http.Request) (*answer, *problem) {
	req, s, p := h.spec(r, model.KindManagedInfrastructureTemplate)
	if p != nil {
		return nil, p
	}
	t, sc, p := h.lookupTemplate(r, req, s, pathVars(r).get("id"))
	if p != nil {
		return nil, p
	}
	return h.serveObject(r, req, s, sc, t)
}

// templateDefaults serves {id}/defaults: ManagedInfrastructureTemplateDefaults.
func (h *handler) templateDefaults(r *http.Request) (*answer, *problem) {
	req, s, p := h.spec(r, model.KindManagedInfrastructureTemplate)
	if p != nil {
		return nil, p
	}
	t, sc, p := h.lookupTemplate(r, req, s, pathVars(r).get("id"))
	if p != nil {
		return nil, p
	}
	// The query only once the caller may see the template: a caller without access gets 403
	// (or 404) whatever it sent.
	if _, p := parseQuery(r); p != nil {
		return nil, p
	}
	// Redacted as the parameters they are defaults of are in a request's templateParameters:
	// every member, policyTemplateDefaults too, not only clusterInstanceDefaults.
	return okJSON(sc.redactWith(model.RedactTemplateDefaults, s, t, model.ManagedInfrastructureTemplateDefaults(t))), nil
}
