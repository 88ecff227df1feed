package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/notify"
	"github.com/netweave-io/netweave/pkg/o2rest/model/modeltest"
)

const (
	provisioningAPI = "/o2ims-infrastructureProvisioning"
	artifactsAPI    = "/o2ims-infrastructureArtifacts"
)

// provisioningRequestBody is a ProvisioningRequestData of the demo template.
func provisioningRequestBody(id, version, params string) string {
	return `{"provisioningRequestId":"` + id + `","name":"edge","description":"an edge cluster","templateName":"demo",` +
		`"templateVersion":"` + version + `","templateParameters":` + params + `}`
}

// provisioningSummary is a notification as "TYPE PHASE".
func provisioningSummary(n received) string {
	st, _ := n.body["postObjectState"].(map[string]any)
	if st == nil {
		st, _ = n.body["priorObjectState"].(map[string]any)
	}
	status, _ := st["status"].(map[string]any)
	return fmt.Sprintf("%s %v", notify.EventType(eventType(n)), status["provisioningPhase"])
}

// provisioningAbout returns the notifications whose objectRef is ref, in arrival order.
func provisioningAbout(r *receiver, ref string) []received {
	var out []received
	for _, n := range r.all() {
		if n.body["objectRef"] == ref {
			out = append(out, n)
		}
	}
	return out
}

// writeProvisioningStatus writes a request's status as the provisioning controller does.
func writeProvisioningStatus(t *testing.T, c versioned.Interface, ns, name string, mutate func(*o2v1.ProvisioningRequestStatus)) {
	t.Helper()
	ctx := context.Background()
	pr, err := c.O2imsV1alpha1().ProvisioningRequests(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mutate(&pr.Status)
	now := metav1.Now()
	pr.Status.UpdateTime = &now
	if _, err := c.O2imsV1alpha1().ProvisioningRequests(ns).UpdateStatus(ctx, pr, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update status of %s/%s: %v", ns, name, err)
	}
}

// setFinalizers sets a request's finalizers, as the provisioning controller holds a deleted
// request until its cluster is gone.
func setFinalizers(t *testing.T, c versioned.Interface, ns, name string, finalizers []string) {
	t.Helper()
	ctx := context.Background()
	pr, err := c.O2imsV1alpha1().ProvisioningRequests(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pr.Finalizers = finalizers
	if _, err := c.O2imsV1alpha1().ProvisioningRequests(ns).Update(ctx, pr, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("finalizers of %s/%s: %v", ns, name, err)
	}
}

// TestProvisioningREST: the O2-IMS provisioning and artifacts APIs on the real stack, as SMOs
// use them — templates of the tenant and of the operator, requests made, read, filtered,
// upgraded and deleted through REST with the registry's admission behind, tenants isolated,
// and ProvisioningRequestChangeNotifications delivered in order. No provisioning controller
// runs: the test plays its part (status, the finalizer). Every body is validated against the
// provisioning and artifacts OpenAPI schemas (notifications against netweave's).
func TestProvisioningREST(t *testing.T) {
	t.Parallel()
	s := startStack(t, append([]string{"--provisioning-namespaces=tenant-a,tenant-b"}, notifierArgs...)...)
	schemas := modeltest.New(t)
	client := s.admin(t)
	ctx := t.Context()
	const inv = "o2ims-system"
	admin, alice, bob, carol := localstack.Admin, localstack.Alice, localstack.Bob, localstack.Carol
	for _, ns := range []string{"tenant-a", "tenant-b"} {
		s.kubectl(t, admin, "create", "namespace", ns)
	}
	// alice provisions in tenant-a and may read the operator's templates; bob provisions in
	// tenant-b only; carol may do nothing.
	s.kubectl(t, admin, "create", "rolebinding", "alice-provisioner", "-n", "tenant-a", "--clusterrole=o2ims-provisioner", "--user="+alice)
	s.kubectl(t, admin, "create", "rolebinding", "alice-reader", "-n", inv, "--clusterrole=o2ims-reader", "--user="+alice)
	s.kubectl(t, admin, "create", "rolebinding", "bob-provisioner", "-n", "tenant-b", "--clusterrole=o2ims-provisioner", "--user="+bob)

	// The templates, as the template sync writes them from ClusterClasses.
	template := func(ns, name, version string) *o2v1.ManagedInfrastructureTemplate {
		return &o2v1.ManagedInfrastructureTemplate{
			ObjectMeta: metav1.ObjectMeta{Name: name + "." + version},
			Spec: o2v1.ManagedInfrastructureTemplateSpec{Name: name, Version: version, Description: name + " clusters",
				ParameterSchema: &o2v1.JSON{Raw: []byte(`{"type":"object","properties":{"workers":{"type":"integer","minimum":1},` +
					`"region":{"type":"string"}},"required":["workers","region"]}`)},
				Defaults:        &o2v1.JSON{Raw: []byte(`{"clusterInstanceDefaults":{"region":"eu-1"}}`)},
				Characteristics: map[string]string{"infrastructure": "docker"},
				ClusterClassRef: o2v1.ClusterReference{Namespace: ns, Name: name}},
		}
	}
	var demoID string
	for _, tm := range []struct{ ns, name, version string }{{inv, "demo", "v1.34.0"}, {inv, "demo", "v1.35.0"}, {"tenant-b", "local", "v1.34.0"}} {
		created, err := client.O2imsV1alpha1().ManagedInfrastructureTemplates(tm.ns).Create(ctx, template(tm.ns, tm.name, tm.version), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if tm.version == "v1.34.0" && tm.name == "demo" {
			demoID = created.Spec.ArtifactResourceID
		}
	}

	a, b, c, root := s.o2As(t, alice), s.o2As(t, bob), s.o2As(t, carol), s.o2As(t, admin)
	tenantA, tenantB := "/tenants/tenant-a", "/tenants/tenant-b"
	reqsA, reqsB := tenantA+provisioningAPI+"/v1/provisioningRequests", tenantB+provisioningAPI+"/v1/provisioningRequests"
	const id = "4f6b6c1e-2c0e-4d9a-9a57-3f7c1b9d2e01"
	const onlyA = "4f6b6c1e-2c0e-4d9a-9a57-3f7c1b9d2e02"

	// expect checks a status, and that an error is ProblemDetails.
	expect := func(t *testing.T, what string, code int, hdr http.Header, body []byte, want int) {
		t.Helper()
		if code != want {
			t.Fatalf("%s: %d, want %d: %s", what, code, want, body)
		}
		if code >= 400 {
			if hdr.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: Content-Type %q", what, hdr.Get("Content-Type"))
			}
			schemas.Validate(t, 1, "ProblemDetails", body)
		}
	}

	// The subscriptions, made through O2 before anything happens: alice's (all, and only what
	// is or was FULFILLED), bob's, and the operator's on the default apiRoot.
	all, fulfilled, bobs, operator := newReceiver(t), newReceiver(t), newReceiver(t), newReceiver(t)
	subscribe := func(o *o2Client, apiRoot string, r *receiver, filter string) {
		t.Helper()
		body := `{"callback":"` + r.srv.URL + `/prov","consumerSubscriptionId":"5b1c0b0e-7d3f-4e4a-9d5e-0c1b2a3d4e5f"`
		if filter != "" {
			body += `,"filter":"` + filter + `"`
		}
		code, hdr, out := o.do("POST", apiRoot+provisioningAPI+"/v1/subscriptions", body+"}")
		expect(t, "subscribe", code, hdr, out, http.StatusCreated)
		schemas.Validate(t, 1, "ProvisioningRequestSubscription", out)
		var sub map[string]any
		_ = json.Unmarshal(out, &sub)
		if hdr.Get("Location") != s.o2APIRoot()+apiRoot+provisioningAPI+"/v1/subscriptions/"+sub["subscriptionId"].(string) {
			t.Errorf("subscription Location %q", hdr.Get("Location"))
		}
	}
	subscribe(a, tenantA, all, "")
	subscribe(a, tenantA, fulfilled, "(eq,status/provisioningPhase,FULFILLED)")
	subscribe(b, tenantB, bobs, "")
	subscribe(root, "", operator, "")

	t.Run("api_versions", func(t *testing.T) {
		for api, version := range map[string]string{provisioningAPI: "1.2.0", artifactsAPI: "1.0.0"} {
			var v map[string]any
			a.json(tenantA+api+"/api_versions", http.StatusOK, &v)
			schemas.Validate(t, 1, "APIVersions", v)
			if fmt.Sprint(v["apiVersions"]) != "[map[version:"+version+"]]" {
				t.Errorf("%s api_versions %v", api, v)
			}
			a.json(api+"/v1/api_versions", http.StatusOK, nil)
			a.json(api+"/v2/api_versions", http.StatusNotFound, nil)
		}
	})

	t.Run("templates: the tenant's and the operator's, as RBAC allows", func(t *testing.T) {
		list := func(o *o2Client, apiRoot string) string {
			t.Helper()
			code, hdr, body := o.do("GET", apiRoot+artifactsAPI+"/v1/managedInfrastructureTemplates", "")
			expect(t, "templates", code, hdr, body, http.StatusOK)
			schemas.ValidateList(t, 1, "ManagedInfrastructureTemplate", body)
			var items []map[string]any
			_ = json.Unmarshal(body, &items)
			var out []string
			for _, it := range items {
				out = append(out, fmt.Sprint(it["name"], ".", it["version"]))
			}
			return strings.Join(out, ",")
		}
		if got := list(a, tenantA); got != "demo.v1.34.0,demo.v1.35.0" {
			t.Errorf("alice on tenant-a: %s", got)
		}
		if got := list(b, tenantB); got != "local.v1.34.0" {
			t.Errorf("bob on tenant-b (no access to the operator's): %s", got)
		}
		if got := list(root, ""); got != "demo.v1.34.0,demo.v1.35.0" {
			t.Errorf("default apiRoot: %s", got)
		}
		c.json(tenantA+artifactsAPI+"/v1/managedInfrastructureTemplates", http.StatusForbidden, nil)
		var filtered []map[string]any
		a.json(tenantA+artifactsAPI+"/v1/managedInfrastructureTemplates?filter=(eq,version,v1.35.0)", http.StatusOK, &filtered)
		if len(filtered) != 1 {
			t.Errorf("filtered templates %v", filtered)
		}
		for _, tid := range []string{"demo.v1.34.0", demoID} {
			var tm map[string]any
			a.json(tenantA+artifactsAPI+"/v1/managedInfrastructureTemplates/"+tid, http.StatusOK, &tm)
			schemas.Validate(t, 1, "ManagedInfrastructureTemplate", tm)
			if tm["artifactResourceId"] != demoID || tm["parameterSchema"] == nil {
				t.Errorf("template %s: %v", tid, tm)
			}
		}
		var defaults map[string]any
		a.json(tenantA+artifactsAPI+"/v1/managedInfrastructureTemplates/demo.v1.34.0/defaults", http.StatusOK, &defaults)
		schemas.Validate(t, 1, "ManagedInfrastructureTemplateDefaults", defaults)
		if !reflect.DeepEqual(defaults, map[string]any{"clusterInstanceDefaults": map[string]any{"region": "eu-1"}}) {
			t.Errorf("defaults %v", defaults)
		}
		b.json(tenantB+artifactsAPI+"/v1/managedInfrastructureTemplates/demo.v1.34.0", http.StatusNotFound, nil)
	})

	var etag string
	t.Run("POST: 201 + Location, 409, and 400 naming the fields", func(t *testing.T) {
		code, hdr, body := a.do("POST", reqsA, provisioningRequestBody(id, "v1.34.0", `{"workers":3}`))
		expect(t, "create", code, hdr, body, http.StatusCreated)
		schemas.Validate(t, 1, "ProvisioningRequestInfo", body)
		if loc := hdr.Get("Location"); loc != s.o2APIRoot()+reqsA+"/"+id {
			t.Errorf("Location %q", loc)
		}
		if etag = hdr.Get("ETag"); etag == "" {
			t.Error("no ETag")
		}
		var info map[string]any
		_ = json.Unmarshal(body, &info)
		if info["status"].(map[string]any)["provisioningPhase"] != "PENDING" || info["provisioningRequestReference"] == "" {
			t.Errorf("created %s", body)
		}
		code, hdr, body = a.do("POST", reqsA, provisioningRequestBody(id, "v1.34.0", `{"workers":1}`))
		expect(t, "duplicate", code, hdr, body, http.StatusConflict)

		code, hdr, body = a.do("POST", reqsA, provisioningRequestBody(onlyA, "v1.34.0", `{"workers":0,"region":5}`))
		expect(t, "invalid parameters", code, hdr, body, http.StatusBadRequest)
		var p map[string]any
		_ = json.Unmarshal(body, &p)
		fields, _ := p["additionalAttributes"].(map[string]any)["fields"].(string)
		for _, want := range []string{"templateParameters/workers", "templateParameters/region"} {
			if !strings.Contains(fields, want) || !strings.Contains(p["detail"].(string), want+": ") {
				t.Errorf("400 lacks %s: %s", want, body)
			}
		}
		code, hdr, body = a.do("POST", reqsA, provisioningRequestBody(onlyA, "v9.9.9", `{"workers":1}`))
		expect(t, "unknown template version", code, hdr, body, http.StatusBadRequest)
		code, hdr, body = a.do("POST", reqsA, strings.Replace(provisioningRequestBody(onlyA, "v1.34.0", `{}`), `"name"`, `"colour":"blue","name"`, 1))
		expect(t, "unknown field", code, hdr, body, http.StatusBadRequest)
		code, hdr, body = a.do("POST", reqsA, provisioningRequestBody("edge-1", "v1.34.0", `{}`))
		expect(t, "id not a UUID", code, hdr, body, http.StatusBadRequest)
		code, hdr, body = a.do("POST", tenantB+provisioningAPI+"/v1/provisioningRequests", provisioningRequestBody(onlyA, "v1.34.0", `{"workers":1}`))
		expect(t, "alice in tenant-b", code, hdr, body, http.StatusForbidden)
		code, hdr, body = root.do("POST", "/tenants/default"+provisioningAPI+"/v1/provisioningRequests", provisioningRequestBody(onlyA, "v1.34.0", `{"workers":1}`))
		expect(t, "a namespace not opened to provisioning", code, hdr, body, http.StatusForbidden)

		code, hdr, body = a.do("POST", reqsA, provisioningRequestBody(onlyA, "v1.34.0", `{"workers":1}`))
		expect(t, "second request", code, hdr, body, http.StatusCreated)
	})

	t.Run("GET, list, filter", func(t *testing.T) {
		code, hdr, body := a.do("GET", reqsA+"/"+id, "")
		expect(t, "get", code, hdr, body, http.StatusOK)
		schemas.Validate(t, 1, "ProvisioningRequestInfo", body)
		if hdr.Get("ETag") != etag {
			t.Errorf("ETag %q, POST said %q", hdr.Get("ETag"), etag)
		}
		var items []map[string]any
		a.json(reqsA, http.StatusOK, &items)
		if len(items) != 2 {
			t.Errorf("list: %v", items)
		}
		code, hdr, body = a.do("GET", reqsA+"?filter=(eq,provisioningRequestData/provisioningRequestId,"+id+");(eq,status/provisioningPhase,PENDING)", "")
		expect(t, "filter", code, hdr, body, http.StatusOK)
		schemas.ValidateList(t, 1, "ProvisioningRequestInfo", body)
		_ = json.Unmarshal(body, &items)
		if len(items) != 1 {
			t.Errorf("filtered: %s", body)
		}
		a.json(reqsA+"?filter=(eq,provisioningRequestData/templateParameters/workers,3)&fields=extensions", http.StatusOK, &items)
		if len(items) != 1 || items[0]["extensions"] == nil {
			t.Errorf("filter on a parameter: %v", items)
		}
		a.json(reqsA+"?filter=(eq,nope,1)", http.StatusBadRequest, nil)
	})

	t.Run("PUT: 422 id mismatch, 412 If-Match, templateName fixed, new templateVersion", func(t *testing.T) {
		code, hdr, body := a.do("PUT", reqsA+"/"+id, provisioningRequestBody(onlyA, "v1.35.0", `{"workers":3}`))
		expect(t, "id mismatch", code, hdr, body, http.StatusUnprocessableEntity)
		code, hdr, body = a.putIfMatch(reqsA+"/"+id, provisioningRequestBody(id, "v1.35.0", `{"workers":4}`), `"1"`)
		expect(t, "stale If-Match", code, hdr, body, http.StatusPreconditionFailed)
		code, hdr, body = a.do("PUT", reqsA+"/"+id, strings.Replace(provisioningRequestBody(id, "v1.35.0", `{"workers":3}`), `"templateName":"demo"`, `"templateName":"local"`, 1))
		expect(t, "templateName change", code, hdr, body, http.StatusUnprocessableEntity)
		code, hdr, body = a.putIfMatch(reqsA+"/"+id, provisioningRequestBody(id, "v1.35.0", `{"workers":5}`), etag)
		expect(t, "upgrade with the current ETag", code, hdr, body, http.StatusOK)
		schemas.Validate(t, 1, "ProvisioningRequestInfo", body)
		if hdr.Get("ETag") == etag {
			t.Error("ETag unchanged by the PUT")
		}
		pr, err := client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Get(ctx, id, metav1.GetOptions{})
		if err != nil || pr.Spec.TemplateVersion != "v1.35.0" || string(pr.Spec.TemplateParameters.Raw) != `{"workers":5}` {
			t.Errorf("stored after PUT: %+v %v", pr.Spec, err)
		}
		code, hdr, body = a.do("PATCH", reqsA+"/"+id, `{}`)
		expect(t, "PATCH", code, hdr, body, http.StatusMethodNotAllowed)
		if hdr.Get("Allow") != "DELETE, GET, HEAD, PUT" {
			t.Errorf("Allow %q", hdr.Get("Allow"))
		}
	})

	// TestRegressionTemplatesOfferedOnlyWithRBAC (pkg/registry/o2ims/provisioningrequest) on the
	// real server: bob, not offered the operator's templates, neither provisions from them nor
	// tells them from templates nobody has.
	t.Run("TestRegressionTemplatesOfferedOnlyWithRBAC", func(t *testing.T) {
		const probe = "0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b"
		code, hdr, held := b.do("POST", reqsB, provisioningRequestBody(probe, "v1.34.0", `{"workers":1,"region":"eu-1"}`))
		expect(t, "bob from the operator's template", code, hdr, held, http.StatusBadRequest)
		code, hdr, absent := b.do("POST", reqsB, provisioningRequestBody(probe, "v9.9.9", `{"workers":1,"region":"eu-1"}`))
		expect(t, "bob from a template nobody has", code, hdr, absent, http.StatusBadRequest)
		if string(held) != strings.ReplaceAll(string(absent), "v9.9.9", "v1.34.0") {
			t.Errorf("the operator's template answered unlike none:\n%s\n%s", held, absent)
		}
	})

	t.Run("tenants are isolated; the same id in two tenants", func(t *testing.T) {
		code, hdr, body := b.do("POST", reqsB, strings.Replace(provisioningRequestBody(id, "v1.34.0", `{"workers":1}`), `"templateName":"demo"`, `"templateName":"local"`, 1))
		expect(t, "bob's own request under the same id", code, hdr, body, http.StatusCreated)
		var mine map[string]any
		b.json(reqsB+"/"+id, http.StatusOK, &mine)
		if mine["provisioningRequestData"].(map[string]any)["templateName"] != "local" {
			t.Errorf("bob reads %v", mine)
		}
		for _, m := range []struct{ method, body string }{{"GET", ""}, {"PUT", provisioningRequestBody(onlyA, "v1.35.0", `{"workers":1}`)}, {"DELETE", ""}} {
			code, hdr, body := b.do(m.method, reqsB+"/"+onlyA, m.body)
			expect(t, "bob "+m.method+" of tenant-a's request through tenant-b", code, hdr, body, http.StatusNotFound)
			code, hdr, body = b.do(m.method, reqsA+"/"+onlyA, m.body)
			expect(t, "bob "+m.method+" on tenant-a's apiRoot", code, hdr, body, http.StatusForbidden)
		}
		root.json(provisioningAPI+"/v1/provisioningRequests/"+onlyA, http.StatusNotFound, nil)
		if _, err := client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Get(ctx, onlyA, metav1.GetOptions{}); err != nil {
			t.Errorf("tenant-a's request after bob's attempts: %v", err)
		}
	})

	t.Run("the controller's phases show", func(t *testing.T) {
		writeProvisioningStatus(t, client, "tenant-a", id, func(st *o2v1.ProvisioningRequestStatus) {
			st.ProvisioningPhase, st.Message = o2v1.ProvisioningPhaseProgressing, "waiting for the control plane"
		})
		writeProvisioningStatus(t, client, "tenant-a", id, func(st *o2v1.ProvisioningRequestStatus) {
			st.Message = "waiting for the workers" // not notified: the phase stays
		})
		writeProvisioningStatus(t, client, "tenant-a", id, func(st *o2v1.ProvisioningRequestStatus) {
			st.ProvisioningPhase, st.Message = o2v1.ProvisioningPhaseFulfilled, "cluster ready"
			st.ProvisionedResourceSet = &o2v1.ProvisionedResourceSet{NodeClusterID: "65221564-8b05-416a-bfc3-c250bc64e1aa"}
		})
		eventually(t, 30*time.Second, "FULFILLED on O2", func() error {
			var info map[string]any
			a.json(reqsA+"/"+id, http.StatusOK, &info)
			schemas.Validate(t, 1, "ProvisioningRequestInfo", info)
			if st := info["status"].(map[string]any); st["provisioningPhase"] != "FULFILLED" {
				return errorf("phase %v", st["provisioningPhase"])
			}
			if set := info["provisionedResourceSet"].(map[string]any); set["nodeClusterId"] != "65221564-8b05-416a-bfc3-c250bc64e1aa" {
				return errorf("set %v", set)
			}
			return nil
		})
	})

	t.Run("DELETE: 202 + Location, DELETING, then 404", func(t *testing.T) {
		setFinalizers(t, client, "tenant-a", id, []string{"o2ims.oran.org/e2e"})
		code, hdr, body := a.do("DELETE", reqsA+"/"+id, "")
		expect(t, "delete", code, hdr, body, http.StatusAccepted)
		if loc := hdr.Get("Location"); loc != s.o2APIRoot()+reqsA+"/"+id {
			t.Errorf("Location %q", loc)
		}
		var info map[string]any
		a.json(reqsA+"/"+id, http.StatusOK, &info)
		schemas.Validate(t, 1, "ProvisioningRequestInfo", info)
		if phase := info["status"].(map[string]any)["provisioningPhase"]; phase != "DELETING" {
			t.Errorf("after DELETE: %v", phase)
		}
		setFinalizers(t, client, "tenant-a", id, nil)
		eventually(t, 30*time.Second, "404 once gone", func() error {
			if code, _, body := a.do("GET", reqsA+"/"+id, ""); code != http.StatusNotFound {
				return errorf("%d %s", code, body)
			}
			return nil
		})
		b.json(reqsB+"/"+id, http.StatusOK, nil) // bob's namesake is untouched
	})

	t.Run("notifications in order, to whoever may read the request", func(t *testing.T) {
		// objectRef is below the subscription's own apiRoot: alice's (tenant-a's) has no
		// tenant prefix, the operator's (the default apiRoot's) names tenant-a
		// (TestRegressionTenantProvisioningObjectRefResolvesAtItsRoot).
		ref := provisioningAPI + "/v1/provisioningRequests/" + id
		want := []string{"CREATE PENDING", "MODIFY PROGRESSING", "MODIFY FULFILLED", "MODIFY DELETING", "DELETE DELETING"}
		for name, r := range map[string]*receiver{"alice": all, "operator": operator} {
			ref := ref
			if r == operator {
				ref = tenantA + ref
			}
			eventually(t, time.Minute, name+"'s notifications", func() error {
				if got := provisioningAbout(r, ref); len(got) < len(want) {
					return errorf("%d so far", len(got))
				}
				return nil
			})
			got := provisioningAbout(r, ref)
			var summary []string
			for _, n := range got {
				summary = append(summary, provisioningSummary(n))
				schemas.Validate(t, 1, "ProvisioningRequestChangeNotification", n.raw)
				if n.body["consumerSubscriptionId"] != "5b1c0b0e-7d3f-4e4a-9d5e-0c1b2a3d4e5f" {
					t.Errorf("consumerSubscriptionId %v", n.body["consumerSubscriptionId"])
				}
			}
			if !reflect.DeepEqual(summary, want) {
				t.Errorf("%s received %v, want %v", name, summary, want)
			}
		}
		// The filter matches the prior or the post state.
		eventually(t, time.Minute, "filtered notifications", func() error {
			if got := provisioningAbout(fulfilled, ref); len(got) < 2 {
				return errorf("%d so far", len(got))
			}
			return nil
		})
		var summary []string
		for _, n := range provisioningAbout(fulfilled, ref) {
			summary = append(summary, provisioningSummary(n))
		}
		if want := []string{"MODIFY FULFILLED", "MODIFY DELETING"}; !reflect.DeepEqual(summary, want) {
			t.Errorf("FULFILLED filter received %v, want %v", summary, want)
		}
		// bob hears of his own request (template "local"), never of tenant-a's namesake, and
		// its objectRef resolves on his apiRoot to his request.
		eventually(t, time.Minute, "bob's CREATE", func() error {
			if got := provisioningAbout(bobs, ref); len(got) == 0 {
				return errorf("none yet")
			}
			return nil
		})
		for _, n := range bobs.all() {
			state, _ := n.body["postObjectState"].(map[string]any)
			if state == nil {
				state, _ = n.body["priorObjectState"].(map[string]any)
			}
			data, _ := state["provisioningRequestData"].(map[string]any)
			if n.body["objectRef"] != ref || data["templateName"] != "local" {
				t.Errorf("bob received %s", n.raw)
			}
		}
		var resolved map[string]any
		b.json(tenantB+ref, http.StatusOK, &resolved)
		if data, _ := resolved["provisioningRequestData"].(map[string]any); data["templateName"] != "local" {
			t.Errorf("bob's objectRef on his apiRoot: %v", resolved)
		}
	})
}

// putIfMatch PUTs body with an If-Match header.
func (c *o2Client) putIfMatch(path, body, ifMatch string) (int, http.Header, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPut, c.s.o2APIRoot()+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", ifMatch)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, raw
}
