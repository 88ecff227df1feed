package o2rest

import (
	"context"
	"encoding/json"
	"io"
	"k8s.io/apimachinery/pkg/util/uuid"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	k8stesting "k8s.io/client-go/testing"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/o2rest/model/modeltest"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

const (
	poolA     = "39c85e74-2e98-4e3d-8fec-e5a849d967c6"
	poolB     = "b0000000-0000-4000-8000-00000000000b"
	typeID    = "56337d0e-8bee-47d3-afcb-3c621cffa2b7"
	res1      = "5b3a2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d"
	res2      = "8d7c6b5a-4f3e-4d2c-8b1a-0f9e8d7c6b5a"
	resB      = "b1000000-0000-4000-8000-00000000000b"
	siteID    = "7fd364a0-6d82-4e0c-a418-5c1a2f8b9c3e"
	ocloudID  = "262c8f17-52b5-4614-9e56-812ae21fa8a7"
	globalID  = "8b7d2f4e-5a9c-4e1b-b3d6-0f2a7c9e1d45"
	dmID      = "65221564-8b05-416a-bfc3-c250bc64e1aa"
	apiRoot   = "https://o2ims.example.net"
	inventory = "/o2ims-infrastructureInventory"
)

func objMeta(ns, name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: ns, Name: name} }

// fixtures is a small inventory: tenant-a holds most of it, tenant-b one pool and resource.
func fixtures() []runtime.Object {
	ext := o2v1.Extensions{"country": {Raw: []byte(`"CA"`)}, "cpu": {Raw: []byte(`{"cores":32}`)}}
	return []runtime.Object{
		&o2v1.OCloud{ObjectMeta: metav1.ObjectMeta{Name: "default"}, Spec: o2v1.OCloudSpec{OCloudID: ocloudID, GlobalCloudID: globalID, Name: "edge", Description: "edge cloud"}},
		&o2v1.ResourceType{ObjectMeta: objMeta("tenant-a", "medium"), Spec: o2v1.ResourceTypeSpec{ResourceTypeID: typeID, Name: "medium", Vendor: "ACME",
			ResourceKind: o2v1.ResourceKindPhysical, ResourceClass: o2v1.ResourceClassCompute, Extensions: ext}},
		&o2v1.ResourcePool{ObjectMeta: objMeta("tenant-a", "ran"), Spec: o2v1.ResourcePoolSpec{ResourcePoolID: poolA, Name: "ran", Description: "RAN workers",
			OCloudID: ocloudID, GlobalLocationID: siteID, OCloudSiteID: siteID, Extensions: ext}},
		&o2v1.ResourcePool{ObjectMeta: objMeta("tenant-b", "core"), Spec: o2v1.ResourcePoolSpec{ResourcePoolID: poolB, Name: "core"}},
		&o2v1.O2Resource{ObjectMeta: objMeta("tenant-a", "worker-1"), Spec: o2v1.ResourceSpec{ResourceID: res1, ResourcePoolID: poolA, ResourceTypeID: typeID,
			Description: "worker-1 rack 3", Tags: []string{"ran", "du"}, Extensions: ext}},
		&o2v1.O2Resource{ObjectMeta: objMeta("tenant-a", "worker-2"), Spec: o2v1.ResourceSpec{ResourceID: res2, ResourcePoolID: poolA, ResourceTypeID: typeID,
			Description: "worker-2 rack 4", Tags: []string{"ran", "cu"}}},
		&o2v1.O2Resource{ObjectMeta: objMeta("tenant-b", "core-1"), Spec: o2v1.ResourceSpec{ResourceID: resB, ResourcePoolID: poolB, ResourceTypeID: typeID}},
		&o2v1.DeploymentManager{ObjectMeta: objMeta("tenant-a", "edge"), Spec: o2v1.DeploymentManagerSpec{DeploymentManagerID: dmID, Name: "edge",
			OCloudID: ocloudID, ServiceURI: "https://edge:6443"}},
		&o2v1.Location{ObjectMeta: objMeta("tenant-a", "tor"), Spec: o2v1.LocationSpec{GlobalLocationID: "CA-TOR", Name: "Toronto", Address: "200 Bay St"}},
		&o2v1.OCloudSite{ObjectMeta: objMeta("tenant-a", "tor-a"), Spec: o2v1.OCloudSiteSpec{OCloudSiteID: siteID, GlobalLocationID: "CA-TOR", Name: "Toronto A"}},
	}
}

// Callers, by bearer token.
var tokens = map[string]user.Info{
	"admin-token": &user.DefaultInfo{Name: "admin", Groups: []string{"system:masters", user.AllAuthenticated}},
	"alice-token": &user.DefaultInfo{Name: "alice", Groups: []string{user.AllAuthenticated}},
	// reader and operator are the users of credentialsEnv.
	"reader-token":   &user.DefaultInfo{Name: "reader"},
	"operator-token": &user.DefaultInfo{Name: "operator"},
	// ServiceAccounts of two tenants, the users of profileEnv.
	"sa-a-token": &user.DefaultInfo{Name: "system:serviceaccount:tenant-a:smo"},
	"sa-b-token": &user.DefaultInfo{Name: "system:serviceaccount:tenant-b:smo"},
}

// authz lets admin do anything and alice read and manage subscriptions in tenant-a only.
func authz(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	switch a.GetUser().GetName() {
	case "admin":
		return authorizer.DecisionAllow, "", nil
	case "alice":
		if a.GetNamespace() == "tenant-a" {
			return authorizer.DecisionAllow, "", nil
		}
	}
	return authorizer.DecisionNoOpinion, "", nil
}

type env struct {
	t       testing.TB
	handler http.Handler
	// inner is the handler without the stand-in authentication filter.
	inner  http.Handler
	server *httptest.Server
	client *fake.Clientset
	source *source.Source
	schema *modeltest.Validator
	// informers feed source; the fuzz environment waits on them for its writes to show.
	informers *o2informers.Shared
}

// asCaller is client acting as u: subscriptions it creates record u as their subscriber, as
// the API server's subscription strategy does from the request's user.
func asCaller(client *fake.Clientset, u user.Info) *fake.Clientset {
	out := &fake.Clientset{}
	out.WatchReactionChain, out.ProxyReactionChain = client.WatchReactionChain, client.ProxyReactionChain
	stamp := k8stesting.SimpleReactor{Verb: "create", Resource: "*", Reaction: func(a k8stesting.Action) (bool, runtime.Object, error) {
		who := &o2v1.SubscriberInfo{Username: u.GetName(), UID: u.GetUID()}
		switch sub := a.(k8stesting.CreateAction).GetObject().(type) {
		case *o2v1.InventorySubscription:
			sub.Spec.Subscriber = who
		case *o2v1.AlarmSubscription:
			sub.Spec.Subscriber = who
		case *o2v1.ProvisioningRequestSubscription:
			sub.Spec.Subscriber = who
		}
		return false, nil, nil
	}}
	out.ReactionChain = append([]k8stesting.Reactor{&stamp}, client.ReactionChain...)
	return out
}

func newEnv(t *testing.T, pageSize int) *env {
	t.Helper()
	return newEnvWith(t, func(c *Config) { c.PageSize = pageSize })
}

// newEnvWith serves the fixtures with a Config that configure may adjust.
func newEnvWith(t *testing.T, configure func(*Config)) *env {
	t.Helper()
	return newEnvOf(t, fixtures(), configure)
}

// newEnvOf serves objs; configure may adjust the Config.
func newEnvOf(t testing.TB, objs []runtime.Object, configure func(*Config)) *env {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	// The generated fake lists kind O2ResourceList (named after the Go type), which the scheme
	// does not know: the kind is Resource. Answer lists of resources with the right list kind.
	client.PrependReactor("list", "resources", func(a k8stesting.Action) (bool, runtime.Object, error) {
		objs, err := client.Tracker().List(a.GetResource(), o2v1.SchemeGroupVersion.WithKind("Resource"), a.GetNamespace())
		return true, objs, err
	})
	// The API server assigns subscription ids (its strategy's PrepareForCreate); the fake does
	// what it does.
	client.PrependReactor("create", "inventorysubscriptions", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if sub := a.(k8stesting.CreateAction).GetObject().(*o2v1.InventorySubscription); sub.Spec.SubscriptionID == "" {
			sub.Spec.SubscriptionID = string(uuid.NewUUID())
		}
		return false, nil, nil
	})
	informers, err := o2informers.New(client, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := source.New(informers.Factory())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	informers.Start(ctx)
	t.Cleanup(func() { cancel(); informers.Shutdown() })
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		return src.HasSynced(), nil
	}); err != nil {
		t.Fatal("informers did not sync")
	}
	cfg := Config{
		Source:                src,
		Authorizer:            authorizer.AuthorizerFunc(authz),
		ClientFor:             func(u user.Info) (versioned.Interface, error) { return asCaller(client, u), nil },
		APIRoot:               apiRoot,
		SubscriptionNamespace: "o2ims-system",
	}
	configure(&cfg)
	inner := NewHandler(cfg)
	h := withTokens(inner)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, handler: h, inner: inner, server: srv, client: client, source: src, schema: modeltest.New(t), informers: informers}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(method, token, path, body string) response {
	e.t.Helper()
	var header map[string]string
	if body != "" {
		header = map[string]string{"Content-Type": "application/json"}
	}
	return e.doHeaders(method, token, path, body, header)
}

// doHeaders is do with the request headers given.
func (e *env) doHeaders(method, token, path, body string, header map[string]string) response {
	e.t.Helper()
	return e.doRequest(method, token, path, body, func(h http.Header) {
		for k, v := range header {
			h.Set(k, v)
		}
	})
}

// postJSON POSTs body as JSON under ctx and returns its status: for requests a test cuts short
// or runs from another goroutine, so an error (ctx ended) is returned, not fatal.
func (e *env) postJSON(ctx context.Context, token, path, body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", e.server.URL+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.server.Client().Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// doRequest sends a request with the token's Authorization and what headers sets.
func (e *env) doRequest(method, token, path, body string, headers func(http.Header)) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.server.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	headers(req.Header)
	resp, err := e.server.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// expect checks the status, and that error bodies are ProblemDetails as the schema defines.
func (e *env) expect(r response, status int, what string) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.body)
	}
	if status >= 400 {
		if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
			e.t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
		}
		e.schema.Validate(e.t, 0, "ProblemDetails", r.body)
		var p map[string]any
		if err := json.Unmarshal(r.body, &p); err != nil || p["status"] != float64(status) {
			e.t.Errorf("%s: problem status %v, want %d", what, p["status"], status)
		}
	}
}

func decodeList(t testing.TB, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode list %s: %v", b, err)
	}
	return out
}

func decodeObject(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode object %s: %v", b, err)
	}
	return out
}

func ids(docs []map[string]any, attr string) string {
	var out []string
	for _, d := range docs {
		out = append(out, d[attr].(string))
	}
	return strings.Join(out, ",")
}

// withTokens stands in for the API server's authentication filter: it puts the user of the
// bearer token (or anonymous) in the request context, as the real chain does.
func withTokens(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			u = &user.DefaultInfo{Name: user.Anonymous, Groups: []string{user.AllUnauthenticated}}
		}
		next.ServeHTTP(w, r.WithContext(genericapirequest.WithUser(r.Context(), u)))
	})
}

// While the informers do not follow the store (Redis unreachable, failing over, reloading),
// every request is refused with 503 and Retry-After rather than answered from what they last
// saw, and answered again as soon as they do.
func TestRefusedWhileNotFollowing(t *testing.T) {
	var following atomic.Bool
	e := newEnvWith(t, func(c *Config) { c.Following = following.Load })
	for _, path := range []string{
		"/o2ims-infrastructureInventory/v1/resourcePools",
		"/o2ims-infrastructureInventory/v1/resourcePools/" + poolA,
		"/o2ims-infrastructureInventory/v1/subscriptions",
	} {
		r := e.do(http.MethodGet, "admin-token", path, "")
		e.expect(r, http.StatusServiceUnavailable, "GET "+path+" while not following")
		if r.header.Get("Retry-After") == "" {
			t.Errorf("GET %s: 503 without Retry-After", path)
		}
	}
	following.Store(true)
	e.expect(e.do(http.MethodGet, "admin-token", "/o2ims-infrastructureInventory/v1/resourcePools/"+poolA, ""), http.StatusOK, "GET a pool once following")
}
