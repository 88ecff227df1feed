package o2rest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	k8stesting "k8s.io/client-go/testing"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

const (
	provisioning = "/o2ims-infrastructureProvisioning"
	artifacts    = "/o2ims-infrastructureArtifacts"
	requestID    = "123e4567-e89b-12d3-a456-426614174000"
	templateUID  = "fa242779-dfef-414e-b2b1-3b75d6f6b65d"
	localUID     = "fb242779-dfef-414e-b2b1-3b75d6f6b65d"
	provNS       = "o2ims-system"
)

func init() {
	// bob works in tenant-b and may read the operator's templates; carol may do nothing.
	tokens["bob-token"] = &user.DefaultInfo{Name: "bob", Groups: []string{user.AllAuthenticated}}
	tokens["carol-token"] = &user.DefaultInfo{Name: "carol", Groups: []string{user.AllAuthenticated}}
}

func provisioningAuthz(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	switch a.GetUser().GetName() {
	case "bob":
		if a.GetNamespace() == "tenant-b" || a.GetNamespace() == provNS && a.GetResource() == "managedinfrastructuretemplates" && a.GetSubresource() == "" {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	}
	return authz(ctx, a)
}

func provisioningFixtures() []runtime.Object {
	return []runtime.Object{
		&o2v1.ManagedInfrastructureTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: provNS, Name: "demo.v1.31.0", ResourceVersion: "1"},
			Spec: o2v1.ManagedInfrastructureTemplateSpec{ArtifactResourceID: templateUID, Name: "demo", Version: "v1.31.0", Description: "demo",
				ParameterSchema: &o2v1.JSON{Raw: []byte(`{"type":"object","properties":{"workers":{"type":"integer"}}}`)},
				Defaults:        &o2v1.JSON{Raw: []byte(`{"clusterInstanceDefaults":{"workers":1}}`)}}},
		&o2v1.ManagedInfrastructureTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-b", Name: "local.v1.31.0", ResourceVersion: "1"},
			Spec: o2v1.ManagedInfrastructureTemplateSpec{ArtifactResourceID: localUID, Name: "local", Version: "v1.31.0"}},
	}
}

// newProvisioningEnv serves the inventory and provisioning fixtures through a fake API that
// behaves as the server does where the handlers rely on it: resourceVersions, conflicts on a
// stale update, uids, subscription ids; admission refuses templateParameters with a string
// "workers" (422 on the field) and any request in tenant-c (403); a request with a finalizer
// is only marked deleted by a DELETE.
func newProvisioningEnv(t *testing.T) *env {
	t.Helper()
	e := newEnvOf(t, append(fixtures(), provisioningFixtures()...), func(c *Config) {
		c.InventoryNamespace = provNS
		c.Authorizer = authorizer.AuthorizerFunc(provisioningAuthz)
	})
	tracker := e.client.Tracker()
	var version int64 = 100
	next := func() string { version++; return strconv.FormatInt(version, 10) }
	e.client.PrependReactor("update", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		obj := a.(k8stesting.UpdateAction).GetObject()
		m, _ := meta.Accessor(obj)
		stored, err := tracker.Get(a.GetResource(), a.GetNamespace(), m.GetName())
		if err != nil {
			return true, nil, err
		}
		if sm, _ := meta.Accessor(stored); sm.GetResourceVersion() != m.GetResourceVersion() {
			return true, nil, apierrors.NewConflict(a.GetResource().GroupResource(), m.GetName(), fmt.Errorf("stale"))
		}
		if pr, ok := obj.(*o2v1.ProvisioningRequest); ok {
			pr.Generation++
		}
		m.SetResourceVersion(next())
		return true, obj, tracker.Update(a.GetResource(), obj, a.GetNamespace())
	})
	e.client.PrependReactor("create", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		obj := a.(k8stesting.CreateAction).GetObject()
		m, _ := meta.Accessor(obj)
		switch o := obj.(type) {
		case *o2v1.ProvisioningRequest:
			if a.GetNamespace() == "tenant-c" {
				return true, nil, apierrors.NewForbidden(a.GetResource().GroupResource(), m.GetName(), fmt.Errorf("provisioning is not allowed in namespace tenant-c"))
			}
			if strings.Contains(string(o.Spec.TemplateParameters.Raw), `"workers":"`) {
				return true, nil, apierrors.NewInvalid(schema.GroupKind{Group: o2v1.GroupName, Kind: "ProvisioningRequest"}, m.GetName(), field.ErrorList{
					field.Invalid(field.NewPath("spec", "templateParameters", "workers"), "many", "must be of type integer")})
			}
			o.Generation = 1
			o.Status.ProvisioningPhase = o2v1.ProvisioningPhasePending
		case *o2v1.ProvisioningRequestSubscription:
			o.Spec.SubscriptionID = string(uuid.NewUUID())
		}
		m.SetResourceVersion(next())
		m.SetUID(uuid.NewUUID())
		return false, nil, nil
	})
	e.client.PrependReactor("delete", "provisioningrequests", func(a k8stesting.Action) (bool, runtime.Object, error) {
		stored, err := tracker.Get(a.GetResource(), a.GetNamespace(), a.(k8stesting.DeleteAction).GetName())
		if err != nil {
			return true, nil, err
		}
		pr := stored.(*o2v1.ProvisioningRequest).DeepCopy()
		if len(pr.Finalizers) == 0 {
			return false, nil, nil
		}
		now := metav1.Now()
		pr.DeletionTimestamp = &now
		pr.ResourceVersion = next()
		return true, nil, tracker.Update(a.GetResource(), pr, a.GetNamespace())
	})
	return e
}

func requestBody(id, version, params string) string {
	return `{"provisioningRequestId":"` + id + `","name":"edge-1","description":"an edge cluster","templateName":"demo","templateVersion":"` + version +
		`","templateParameters":` + params + `}`
}

func TestProvisioningAPIVersionsRoutes(t *testing.T) {
	e := newProvisioningEnv(t)
	for _, api := range []string{provisioning, artifacts} {
		for _, root := range []string{"", "/tenants/tenant-a"} {
			r := e.do("GET", "alice-token", root+api+"/api_versions", "")
			e.expect(r, 200, api+" api_versions")
			e.schema.Validate(t, 1, "APIVersions", r.body)
			if doc := decodeObject(t, r.body); doc["uriPrefix"] != apiRoot+root+api {
				t.Errorf("uriPrefix %v", doc["uriPrefix"])
			}
			e.expect(e.do("GET", "alice-token", root+api+"/v1/api_versions", ""), 200, api+" v1 api_versions")
			e.expect(e.do("GET", "alice-token", root+api+"/v2/api_versions", ""), 404, api+" v2 api_versions")
		}
	}
	e.expect(e.do("GET", "admin-token", provisioning+"/v2/provisioningRequests", ""), 404, "v2 requests")
	e.expect(e.do("GET", "admin-token", artifacts+"/v2/managedInfrastructureTemplates", ""), 404, "v2 templates")
}

func TestProvisioningRequestLifecycle(t *testing.T) {
	e := newProvisioningEnv(t)
	base := "/tenants/tenant-a" + provisioning + "/v1/provisioningRequests"

	r := e.do("POST", "alice-token", base, requestBody(strings.ToUpper(requestID), "v1.31.0", `{"workers":3}`))
	e.expect(r, 201, "create")
	e.schema.Validate(t, 1, "ProvisioningRequestInfo", r.body)
	if loc := r.header.Get("Location"); loc != apiRoot+base+"/"+requestID {
		t.Errorf("Location %q", loc)
	}
	etag1 := r.header.Get("ETag")
	doc := decodeObject(t, r.body)
	if doc["status"].(map[string]any)["provisioningPhase"] != "PENDING" || doc["provisioningRequestData"].(map[string]any)["provisioningRequestId"] != requestID || etag1 == "" {
		t.Errorf("created: ETag %q %s", etag1, r.body)
	}
	stored, err := e.client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Get(context.Background(), requestID, metav1.GetOptions{})
	if err != nil || stored.Spec.TemplateVersion != "v1.31.0" || string(stored.Spec.TemplateParameters.Raw) != `{"workers":3}` {
		t.Fatalf("stored %+v %v", stored, err)
	}

	e.expect(e.do("POST", "alice-token", base, requestBody(requestID, "v1.31.0", `{}`)), 409, "duplicate id")
	for name, body := range map[string]string{
		"unknown field":         `{"provisioningRequestId":"` + requestID + `","name":"a","description":"","templateName":"demo","templateVersion":"v1","templateParameters":{},"colour":"blue"}`,
		"id not a UUID":         requestBody("edge-1", "v1", `{}`),
		"no description":        `{"provisioningRequestId":"` + requestID + `","name":"a","templateName":"demo","templateVersion":"v1","templateParameters":{}}`,
		"parameters not object": requestBody(requestID, "v1", `[1]`),
		"empty template":        strings.Replace(requestBody(requestID, "v1", `{}`), `"templateName":"demo"`, `"templateName":""`, 1),
		"malformed":             `{"provisioningRequestId":`,
	} {
		e.expect(e.do("POST", "alice-token", base, body), 400, name)
	}
	other := "2d1c0b9a-8f7e-4d6c-b5a4-392817263544"
	r = e.do("POST", "alice-token", base, requestBody(other, "v1.31.0", `{"workers":"many"}`))
	// 400, not 422: see TestRegressionProvisioningPOSTRefusedWithUndeclared422.
	e.expect(r, 400, "parameters refused by admission")
	if p := decodeObject(t, r.body); p["additionalAttributes"].(map[string]any)["fields"] != "templateParameters/workers" || !strings.Contains(p["detail"].(string), "templateParameters/workers: ") {
		t.Errorf("400 problem %s", r.body)
	}
	e.expect(e.do("POST", "alice-token", "/tenants/tenant-c"+provisioning+"/v1/provisioningRequests", requestBody(other, "v1", `{}`)), 403, "alice may not create in tenant-c")
	// 403 whatever the body, before its checks (regression: a malformed body got 400 first).
	e.expect(e.do("POST", "alice-token", "/tenants/tenant-c"+provisioning+"/v1/provisioningRequests", `{"provisioningRequestId":`), 403, "alice, malformed body, tenant-c")
	e.expect(e.do("POST", "alice-token", "/tenants/tenant-c"+provisioning+"/v1/provisioningRequests?colour=blue", requestBody(other, "v1", `{}`)), 403, "alice, unknown parameter, tenant-c")
	e.expect(e.do("POST", "admin-token", "/tenants/tenant-c"+provisioning+"/v1/provisioningRequests", requestBody(other, "v1", `{}`)), 403, "tenant-c does not provision")

	r = e.do("GET", "alice-token", base+"/"+requestID, "")
	e.expect(r, 200, "get")
	e.schema.Validate(t, 1, "ProvisioningRequestInfo", r.body)
	if r.header.Get("ETag") != etag1 {
		t.Errorf("GET ETag %q, POST said %q", r.header.Get("ETag"), etag1)
	}
	r = e.do("GET", "alice-token", base+"?filter=(eq,provisioningRequestData/templateName,demo);(eq,status/provisioningPhase,PENDING)", "")
	e.expect(r, 200, "list by template and phase")
	e.schema.ValidateList(t, 1, "ProvisioningRequestInfo", r.body)
	if l := decodeList(t, r.body); len(l) != 1 {
		t.Errorf("filtered list %s", r.body)
	}
	r = e.do("GET", "alice-token", base+"?filter=(eq,status/provisioningPhase,FULFILLED)", "")
	e.expect(r, 200, "list by phase")
	if l := decodeList(t, r.body); len(l) != 0 {
		t.Errorf("FULFILLED list %s", r.body)
	}
	e.expect(e.do("GET", "alice-token", base+"?filter=(eq,templateName,demo)", ""), 400, "not a top-level attribute")
	r = e.do("GET", "alice-token", base+"/"+requestID+"?fields=extensions", "")
	e.expect(r, 200, "with extensions")
	if ext, _ := decodeObject(t, r.body)["extensions"].(map[string]any); ext == nil {
		t.Errorf("no extensions: %s", r.body)
	}

	// PUT: the id must be the URI's; If-Match; templateName stays.
	e.expect(e.do("PUT", "alice-token", base+"/"+requestID, requestBody(other, "v1.32.0", `{}`)), 422, "id mismatch")
	r = e.doWith("PUT", "alice-token", base+"/"+requestID, "application/json", requestBody(requestID, "v1.32.0", `{"workers":3}`), "If-Match", `"1"`)
	e.expect(r, 412, "stale If-Match")
	e.expect(e.do("PUT", "alice-token", base+"/"+requestID, strings.Replace(requestBody(requestID, "v1.32.0", `{}`), `"demo"`, `"other"`, 1)), 422, "templateName change")
	r = e.doWith("PUT", "alice-token", base+"/"+requestID, "application/json", requestBody(requestID, "v1.32.0", `{"workers":3}`), "If-Match", etag1)
	e.expect(r, 200, "upgrade")
	e.schema.Validate(t, 1, "ProvisioningRequestInfo", r.body)
	if r.header.Get("ETag") == etag1 || decodeObject(t, r.body)["provisioningRequestData"].(map[string]any)["templateVersion"] != "v1.32.0" {
		t.Errorf("PUT ETag %q body %s", r.header.Get("ETag"), r.body)
	}
	r = e.do("PATCH", "alice-token", base+"/"+requestID, `{}`)
	e.expect(r, 405, "PATCH")
	if allow := r.header.Get("Allow"); allow != "DELETE, GET, HEAD, PUT" {
		t.Errorf("Allow %q", allow)
	}

	// Tenants: the same id in tenant-b is another request; neither tenant reaches the other's.
	tenantB := "/tenants/tenant-b" + provisioning + "/v1/provisioningRequests"
	e.expect(e.do("GET", "bob-token", tenantB+"/"+requestID, ""), 404, "tenant-a's request through tenant-b")
	e.expect(e.do("DELETE", "bob-token", tenantB+"/"+requestID, ""), 404, "delete through tenant-b")
	e.expect(e.do("PUT", "bob-token", tenantB+"/"+requestID, requestBody(requestID, "v1", `{}`)), 404, "put through tenant-b")
	e.expect(e.do("GET", "bob-token", base+"/"+requestID, ""), 403, "bob on tenant-a's root")
	e.expect(e.do("POST", "bob-token", tenantB, requestBody(requestID, "v1.31.0", `{}`)), 201, "same id in tenant-b")
	e.expect(e.do("GET", "admin-token", provisioning+"/v1/provisioningRequests/"+requestID, ""), 404, "not in the inventory namespace")
	r = e.do("GET", "admin-token", provisioning+"/v1/provisioningRequests", "")
	e.expect(r, 200, "default root list")
	if l := decodeList(t, r.body); len(l) != 0 {
		t.Errorf("default root lists %s", r.body)
	}

	// DELETE: 202 + Location; DELETING while the finalizer holds it, 404 once gone.
	pr, _ := e.client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Get(context.Background(), requestID, metav1.GetOptions{})
	pr.Finalizers = []string{"o2ims.oran.org/provisioning"}
	if _, err := e.client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Update(context.Background(), pr, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r = e.do("DELETE", "alice-token", base+"/"+requestID, "")
	e.expect(r, 202, "delete")
	if loc := r.header.Get("Location"); loc != apiRoot+base+"/"+requestID {
		t.Errorf("DELETE Location %q", loc)
	}
	r = e.do("GET", "alice-token", base+"/"+requestID, "")
	e.expect(r, 200, "deleting")
	e.schema.Validate(t, 1, "ProvisioningRequestInfo", r.body)
	if phase := decodeObject(t, r.body)["status"].(map[string]any)["provisioningPhase"]; phase != "DELETING" {
		t.Errorf("phase %v after DELETE", phase)
	}
	pr, _ = e.client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Get(context.Background(), requestID, metav1.GetOptions{})
	pr.Finalizers = nil
	if _, err := e.client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Update(context.Background(), pr, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Delete(context.Background(), requestID, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.awaitAbsent(t, "tenant-a", requestID)
	e.expect(e.do("GET", "alice-token", base+"/"+requestID, ""), 404, "gone")

	// The default apiRoot's requests are the inventory namespace's.
	r = e.do("POST", "admin-token", provisioning+"/v1/provisioningRequests", requestBody(other, "v1.31.0", `{}`))
	e.expect(r, 201, "create on the default root")
	if _, err := e.client.O2imsV1alpha1().ProvisioningRequests(provNS).Get(context.Background(), other, metav1.GetOptions{}); err != nil {
		t.Errorf("default root request not in %s: %v", provNS, err)
	}
	e.expect(e.do("GET", "alice-token", provisioning+"/v1/provisioningRequests/"+other, ""), 404, "alice may not read the inventory namespace")
}

func (e *env) awaitAbsent(t *testing.T, ns, name string) {
	t.Helper()
	e.awaitCached(t, func() bool { _, found := e.source.GetByName("ProvisioningRequest", ns, name); return !found })
}

func (e *env) awaitCached(t *testing.T, done func() bool) {
	t.Helper()
	h := &handler{cfg: Config{Source: e.source}}
	ok := false
	h.awaitObject(context.Background(), "ProvisioningRequest", "", "", func(runtime.Object) bool { ok = done(); return ok })
	if !ok {
		t.Fatal("the cache did not catch up")
	}
}

func TestManagedInfrastructureTemplates(t *testing.T) {
	e := newProvisioningEnv(t)
	list := func(token, root string) string {
		t.Helper()
		r := e.do("GET", token, root+artifacts+"/v1/managedInfrastructureTemplates", "")
		e.expect(r, 200, "list")
		e.schema.ValidateList(t, 1, "ManagedInfrastructureTemplate", r.body)
		return ids(decodeList(t, r.body), "name")
	}
	if got := list("bob-token", "/tenants/tenant-b"); got != "demo,local" {
		t.Errorf("bob on tenant-b: %s", got)
	}
	if got := list("alice-token", "/tenants/tenant-a"); got != "" {
		t.Errorf("alice on tenant-a may not read the operator's: %s", got)
	}
	if got := list("admin-token", ""); got != "demo" {
		t.Errorf("default root: %s", got)
	}
	if got := list("admin-token", "/tenants/tenant-a"); got != "demo" {
		t.Errorf("admin on tenant-a: %s", got)
	}
	e.expect(e.do("GET", "carol-token", "/tenants/tenant-b"+artifacts+"/v1/managedInfrastructureTemplates", ""), 403, "carol")
	r := e.do("GET", "bob-token", "/tenants/tenant-b"+artifacts+"/v1/managedInfrastructureTemplates?filter=(eq,name,local)", "")
	e.expect(r, 200, "filter")
	if got := ids(decodeList(t, r.body), "artifactResourceId"); got != localUID {
		t.Errorf("filtered %s", got)
	}

	tb := "/tenants/tenant-b" + artifacts + "/v1/managedInfrastructureTemplates/"
	for _, id := range []string{"demo.v1.31.0", templateUID, strings.ToUpper(templateUID)} {
		r = e.do("GET", "bob-token", tb+id, "")
		e.expect(r, 200, "get "+id)
		e.schema.Validate(t, 1, "ManagedInfrastructureTemplate", r.body)
		if doc := decodeObject(t, r.body); doc["artifactResourceId"] != templateUID {
			t.Errorf("get %s: %s", id, r.body)
		}
	}
	r = e.do("GET", "bob-token", tb+"demo.v1.31.0/defaults", "")
	e.expect(r, 200, "defaults")
	e.schema.Validate(t, 1, "ManagedInfrastructureTemplateDefaults", r.body)
	var defaults map[string]any
	_ = json.Unmarshal(r.body, &defaults)
	if fmt.Sprint(defaults) != "map[clusterInstanceDefaults:map[workers:1]]" {
		t.Errorf("defaults %s", r.body)
	}
	e.expect(e.do("GET", "bob-token", tb+"nope.v1/defaults", ""), 404, "unknown defaults")
	e.expect(e.do("GET", "admin-token", artifacts+"/v1/managedInfrastructureTemplates/local.v1.31.0", ""), 404, "a tenant's template on the default root")
	e.expect(e.do("GET", "admin-token", artifacts+"/v1/managedInfrastructureTemplates/"+localUID, ""), 404, "a tenant's template by uuid on the default root")
	e.expect(e.do("POST", "admin-token", artifacts+"/v1/managedInfrastructureTemplates", "{}"), 405, "POST")
}

func TestProvisioningSubscriptions(t *testing.T) {
	e := newProvisioningEnv(t)
	subs := "/tenants/tenant-a" + provisioning + "/v1/subscriptions"
	r := e.do("POST", "alice-token", subs, `{"callback":"https://smo.example.net/prov","filter":"(eq,status/provisioningPhase,FAILED)"}`)
	e.expect(r, 201, "create")
	e.schema.Validate(t, 1, "ProvisioningRequestSubscription", r.body)
	id, _ := decodeObject(t, r.body)["subscriptionId"].(string)
	if id == "" || r.header.Get("Location") != apiRoot+subs+"/"+id {
		t.Fatalf("Location %q body %s", r.header.Get("Location"), r.body)
	}
	if l, err := e.client.O2imsV1alpha1().ProvisioningRequestSubscriptions("tenant-a").List(context.Background(), metav1.ListOptions{}); err != nil || len(l.Items) != 1 {
		t.Fatalf("stored: %v %v", l, err)
	}
	e.expect(e.do("POST", "alice-token", subs, `{"callback":"https://smo.example.net/prov"}`), 409, "duplicate callback")
	e.expect(e.do("POST", "alice-token", subs, `{"callback":"https://smo.example.net/x","filter":"(eq,resourcePoolId,x)"}`), 400, "filter on another kind")
	e.expect(e.do("POST", "alice-token", subs, `{"callback":"https://smo.example.net/x","subscriptionId":"`+requestID+`"}`), 400, "server id")
	r = e.do("GET", "alice-token", subs, "")
	e.expect(r, 200, "list")
	e.schema.ValidateList(t, 1, "ProvisioningRequestSubscription", r.body)
	e.expect(e.do("GET", "alice-token", subs+"/"+id, ""), 200, "get")
	e.expect(e.do("GET", "alice-token", "/tenants/tenant-a"+inventory+"/v1/subscriptions/"+id, ""), 404, "not an inventory subscription")
	e.expect(e.do("DELETE", "alice-token", subs+"/"+id, ""), 200, "delete")
	e.expect(e.do("GET", "alice-token", subs+"/"+id, ""), 404, "gone")
}

func TestO2AttributePath(t *testing.T) {
	for in, want := range map[string]string{
		"spec.templateParameters.size.workers": "templateParameters/size/workers",
		"spec.templateParameters[a.b]":         "templateParameters/a.b",
		"spec.templateParameters.list[2]":      "templateParameters/list/2",
		"spec.templateName":                    "templateName",
		"metadata.name":                        "provisioningRequestId",
		"metadata.labels":                      "metadata.labels",
	} {
		if got := o2AttributePath(in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
}

// TestProvisioningBodyGarbageChangesNothing: a POST or PUT body that is too large, not UTF-8 or
// names a member twice is refused with its own ProblemDetails, and neither creates a request
// nor changes the one there. Before, a body over the limit read as "unexpected EOF", bad bytes
// were stored (as U+FFFD in strings, verbatim inside templateParameters), and of a duplicated
// member the last was used while a gateway in front may have judged the first.
func TestProvisioningBodyGarbageChangesNothing(t *testing.T) {
	e := newProvisioningEnv(t)
	base := "/tenants/tenant-a" + provisioning + "/v1/provisioningRequests"
	e.expect(e.do("POST", "alice-token", base, requestBody(requestID, "v1.31.0", `{"workers":3}`)), 201, "create")
	prs := e.client.O2imsV1alpha1().ProvisioningRequests("tenant-a")
	before, err := prs.Get(context.Background(), requestID, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const fresh = "223e4567-e89b-12d3-a456-426614174000"
	for name, tc := range map[string]struct {
		body   func(id string) string
		status int
		detail string
		field  string
	}{
		"too large": {func(id string) string {
			return requestBody(id, "v1.31.0", `{"pad":"`+strings.Repeat("a", maxProvisioningBody)+`"}`)
		}, 413, "larger than 1048576 bytes", ""},
		"name not UTF-8": {func(id string) string {
			return strings.Replace(requestBody(id, "v1.31.0", `{}`), `"edge-1"`, "\"edge-\xff\"", 1)
		}, 400, "not valid UTF-8", ""},
		"parameters not UTF-8": {func(id string) string { return requestBody(id, "v1.31.0", "{\"region\":\"\xfe\"}") }, 400, "not valid UTF-8", ""},
		"id twice": {func(id string) string {
			return strings.Replace(requestBody(id, "v1.31.0", `{}`), `"name"`, `"provisioningRequestId":"`+fresh+`","name"`, 1)
		}, 400, "provisioningRequestId is given more than once", "provisioningRequestId"},
		"parameter twice": {func(id string) string { return requestBody(id, "v1.31.0", `{"workers":3,"workers":"x"}`) },
			400, "templateParameters/workers is given more than once", "templateParameters/workers"},
	} {
		for _, w := range []struct{ method, path, id string }{{"POST", base, fresh}, {"PUT", base + "/" + requestID, requestID}} {
			r := e.do(w.method, "alice-token", w.path, tc.body(w.id))
			e.expect(r, tc.status, name+" "+w.method)
			p := decodeObject(t, r.body)
			if d, _ := p["detail"].(string); !strings.Contains(d, tc.detail) {
				t.Errorf("%s %s: detail %q, want %q", name, w.method, d, tc.detail)
			}
			if tc.field != "" {
				if f, _ := p["additionalAttributes"].(map[string]any)["field"]; f != tc.field {
					t.Errorf("%s %s: field %v, want %s", name, w.method, f, tc.field)
				}
			}
		}
	}
	l, err := prs.List(context.Background(), metav1.ListOptions{})
	if err != nil || len(l.Items) != 1 || l.Items[0].ResourceVersion != before.ResourceVersion {
		t.Fatalf("stored requests changed: %+v %v", l, err)
	}
}

// TestProvisioningDeleteIfMatch: DELETE honours If-Match as PUT does. Before, a client naming
// the version it had read deleted whatever the request had become since.
func TestProvisioningDeleteIfMatch(t *testing.T) {
	e := newProvisioningEnv(t)
	base := "/tenants/tenant-a" + provisioning + "/v1/provisioningRequests"
	r := e.do("POST", "alice-token", base, requestBody(requestID, "v1.31.0", `{"workers":3}`))
	e.expect(r, 201, "create")
	created := r.header.Get("ETag")
	r = e.do("PUT", "alice-token", base+"/"+requestID, requestBody(requestID, "v1.32.0", `{"workers":3}`))
	e.expect(r, 200, "someone else's PUT")
	current := r.header.Get("ETag")

	ifMatch := func(tag string) response {
		return e.doHeaders("DELETE", "alice-token", base+"/"+requestID, "", map[string]string{"If-Match": tag})
	}
	e.expect(ifMatch(created), 412, "DELETE with the version before the PUT")
	e.expect(ifMatch(`"1", `), 412, "an empty tag is not a wildcard")
	if _, err := e.client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Get(context.Background(), requestID, metav1.GetOptions{}); err != nil {
		t.Fatalf("a refused DELETE deleted: %v", err)
	}
	e.expect(ifMatch(current), 202, "DELETE with the current version")
	e.awaitAbsent(t, "tenant-a", requestID)

	e.expect(e.do("POST", "alice-token", base, requestBody(requestID, "v1.31.0", `{}`)), 201, "create again")
	e.expect(ifMatch("*"), 202, "DELETE If-Match *")
}

// A PUT or DELETE of a provisioning request reads its query only once the caller may see the
// request, as a POST does (regression: an unknown query parameter was a 400 before the 403 or
// 404 a caller without access gets, so the answer depended on what it sent).
func TestRegressionProvisioningWriteAuthorizedBeforeQuery(t *testing.T) {
	e := newProvisioningEnv(t)
	base := "/tenants/tenant-a" + provisioning + "/v1/provisioningRequests"
	e.expect(e.do("POST", "alice-token", base, requestBody(requestID, "v1.31.0", `{}`)), 201, "create")
	for _, c := range []struct {
		token, path string
		status      int
	}{
		{"bob-token", base + "/" + requestID, 403},
		{"carol-token", base + "/" + requestID, 403},
		{"alice-token", "/tenants/tenant-c" + provisioning + "/v1/provisioningRequests/" + requestID, 403},
		{"carol-token", provisioning + "/v1/provisioningRequests/" + requestID, 404},
		{"bob-token", "/tenants/tenant-b" + provisioning + "/v1/provisioningRequests/" + requestID, 404},
		// The caller who may see it still learns the query is wrong.
		{"alice-token", base + "/" + requestID, 400},
	} {
		for _, method := range []string{"PUT", "DELETE"} {
			e.expect(e.do(method, c.token, c.path+"?colour=blue", requestBody(requestID, "v1.32.0", `{}`)), c.status, method+" "+c.token+" "+c.path)
		}
	}
	if pr, err := e.client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Get(context.Background(), requestID, metav1.GetOptions{}); err != nil || pr.Spec.TemplateVersion != "v1.31.0" {
		t.Errorf("request changed: %+v %v", pr, err)
	}
}

// TestRegressionTemplateDefaultsRedacted: a provisioning request's templateParameters are
// redacted for callers without the credentials permission, but the defaults of those very
// parameters were not: .../managedInfrastructureTemplates/{id}/defaults and the defaults in
// the template's parameterSchema gave a ClusterClass variable's default password to every
// template reader.
func TestRegressionTemplateDefaultsRedacted(t *testing.T) {
	expectTemplateRedacted(t, &o2v1.ManagedInfrastructureTemplate{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "sec.v1", ResourceVersion: "1", UID: "uid-sec"},
		Spec: o2v1.ManagedInfrastructureTemplateSpec{ArtifactResourceID: "c0000000-0000-4000-8000-0000000000f1", Name: "sec", Version: "v1",
			ParameterSchema: &o2v1.JSON{Raw: []byte(`{"type":"object","properties":{"workers":{"type":"integer","default":1},` +
				`"registryPassword":{"type":"string","default":"schema-s3cret"},` +
				`"registry":{"type":"object","default":{"url":"https://r","token":"nested-s3cret"}}}}`)},
			Defaults: &o2v1.JSON{Raw: []byte(`{"clusterInstanceDefaults":{"workers":1,"registryPassword":"tmpl-s3cret","registry":{"url":"https://r","token":"nested-s3cret"}}}`)}}},
		[]string{"/defaults", ""}, []string{"schema-s3cret", "tmpl-s3cret", "nested-s3cret"}, "https://r")
}

// TestRegressionTemplatePolicyDefaultsRedacted: a template's /defaults is its
// ManagedInfrastructureTemplateDefaults, whose schema has policyTemplateDefaults beside
// clusterInstanceDefaults, and spec.defaults may hold any other member. Only
// clusterInstanceDefaults was redacted, so a password in policyTemplateDefaults (or at the top
// of the defaults) reached every template reader without the credentials permission: a tenant
// granted o2ims-template-reader in the inventory namespace read the operator's.
func TestRegressionTemplatePolicyDefaultsRedacted(t *testing.T) {
	expectTemplateRedacted(t, &o2v1.ManagedInfrastructureTemplate{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "pol.v1", ResourceVersion: "1", UID: "uid-pol"},
		Spec: o2v1.ManagedInfrastructureTemplateSpec{ArtifactResourceID: "c0000000-0000-4000-8000-0000000000f2", Name: "pol", Version: "v1",
			Defaults: &o2v1.JSON{Raw: []byte(`{"clusterInstanceDefaults":{"workers":1},` +
				`"policyTemplateDefaults":{"ntp":"https://ntp","bmcPassword":"policy-s3cret","vault":{"token":"nested-s3cret"}},` +
				`"adminPassword":"top-s3cret"}`)}}},
		[]string{"/defaults"}, []string{"policy-s3cret", "nested-s3cret", "top-s3cret"}, "https://ntp")
}

// expectTemplateRedacted reads template tmpl (in tenant-a, the inventory namespace) at each of
// suffixes (after the template's own path) as a reader without the credentials permission and
// as an admin: the reader sees none of secrets, the admin some, and both see kept.
func expectTemplateRedacted(t *testing.T, tmpl *o2v1.ManagedInfrastructureTemplate, suffixes, secrets []string, kept string) {
	t.Helper()
	objs := append(fixtures(), tmpl)
	for _, tc := range []struct {
		name  string
		authz authorizer.Authorizer
		token string
		shown bool
	}{{"without the credentials permission", noCredentials, "reader-token", false}, {"with it", nil, "admin-token", true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvOf(t, objs, func(c *Config) {
				if tc.authz != nil {
					c.Authorizer = tc.authz
				}
				c.InventoryNamespace = "tenant-a"
			})
			for _, suffix := range suffixes {
				path := "/o2ims-infrastructureArtifacts/v1/managedInfrastructureTemplates/" + tmpl.Name + suffix
				r := e.do("GET", tc.token, path, "")
				e.expect(r, 200, path)
				shown := slices.ContainsFunc(secrets, func(secret string) bool { return strings.Contains(string(r.body), secret) })
				if shown != tc.shown {
					t.Errorf("%s: credentials shown %v, want %v: %s", path, shown, tc.shown, r.body)
				}
				if !strings.Contains(string(r.body), kept) {
					t.Errorf("%s: the rest of the defaults is gone: %s", path, r.body)
				}
			}
		})
	}
}

// TestRegressionTemplateDefaultsAuthorizedBeforeQuery: a template's /defaults reads its query
// only once the caller may see the template, as the template itself and a provisioning
// request's writes do. Before, an unknown query parameter was a 400 ahead of the 403 or 404 a
// caller without access gets, so the answer depended on what it sent.
func TestRegressionTemplateDefaultsAuthorizedBeforeQuery(t *testing.T) {
	e := newProvisioningEnv(t)
	for _, c := range []struct {
		token, root string
		status      int
	}{
		{"carol-token", "/tenants/tenant-b", 403},
		{"carol-token", "", 404},
		{"bob-token", "/tenants/tenant-b", 400},
	} {
		for _, suffix := range []string{"", "/defaults"} {
			path := c.root + artifacts + "/v1/managedInfrastructureTemplates/demo.v1.31.0" + suffix + "?colour=blue"
			e.expect(e.do("GET", c.token, path, ""), c.status, c.token+" "+path)
		}
	}
}

// TestRegressionProvisioningDescriptionNull: ProvisioningRequestData's description is a
// required string, but a POST or PUT with "description":null was accepted (null decodes into
// a Go string as nothing) and stored as "", where every other attribute's null is a 400.
func TestRegressionProvisioningDescriptionNull(t *testing.T) {
	e := newProvisioningEnv(t)
	base := "/tenants/tenant-a" + provisioning + "/v1/provisioningRequests"
	e.expect(e.do("POST", "alice-token", base, requestBody(requestID, "v1.31.0", `{}`)), 201, "create")
	const fresh = "223e4567-e89b-12d3-a456-426614174000"
	for _, w := range []struct{ method, path, id string }{{"POST", base, fresh}, {"PUT", base + "/" + requestID, requestID}} {
		body := strings.Replace(requestBody(w.id, "v1.32.0", `{}`), `"an edge cluster"`, " null ", 1)
		r := e.do(w.method, "alice-token", w.path, body)
		e.expect(r, 400, w.method+" description null")
		if f, _ := decodeObject(t, r.body)["additionalAttributes"].(map[string]any)["field"]; f != "description" {
			t.Errorf("%s: %s", w.method, r.body)
		}
	}
	if pr, err := e.client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Get(context.Background(), requestID, metav1.GetOptions{}); err != nil || pr.Spec.Description != "an edge cluster" {
		t.Errorf("request changed: %+v %v", pr, err)
	}
}

// TestRegressionProvisioningPOSTRefusedWithUndeclared422: a POST of a provisioning request whose
// templateParameters its template's schema refuses was answered 422, which the contract does
// not declare for the POST (201, 400, 401, 403, 409, 500): an SMO generated from it has no
// case for the answer. The POST says 400, naming the fields as before; the same body in a PUT
// stays 422, which the contract declares for the PUT (its refusals: TestProvisioningRequestLifecycle).
func TestRegressionProvisioningPOSTRefusedWithUndeclared422(t *testing.T) {
	e := newProvisioningEnv(t)
	base := "/tenants/tenant-a" + provisioning + "/v1/provisioningRequests"
	r := e.do("POST", "alice-token", base, requestBody(requestID, "v1.31.0", `{"workers":"many"}`))
	e.expect(r, 400, "POST with refused parameters")
	e.schema.Validate(t, 1, "ProblemDetails", r.body)
	if p := decodeObject(t, r.body); p["additionalAttributes"].(map[string]any)["fields"] != "templateParameters/workers" {
		t.Errorf("POST problem %s: want the field named", r.body)
	}
	e.expect(e.do("POST", "alice-token", base, requestBody(requestID, "v1.31.0", `{"workers":3}`)), 201, "create")
	other := "2d1c0b9a-8f7e-4d6c-b5a4-392817263544"
	e.expect(e.do("PUT", "alice-token", base+"/"+requestID, requestBody(other, "v1.31.0", `{"workers":3}`)), 422, "PUT whose body names another id")
}
