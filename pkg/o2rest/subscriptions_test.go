package o2rest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

func TestSubscriptions(t *testing.T) {
	e := newEnv(t, 0)
	subs := "/tenants/tenant-a" + inventory + "/v1/subscriptions"

	r := e.do("POST", "alice-token", subs, `{"callback":"https://smo.example.net/cb","consumerSubscriptionId":"3f20d850-af4f-484f-8b5a-0ad585410361","filter":"(eq,resourcePoolId,`+poolA+`)"}`)
	e.expect(r, 201, "create")
	e.schema.Validate(t, 1, "Subscription", r.body)
	doc := decodeObject(t, r.body)
	id, _ := doc["subscriptionId"].(string)
	if id == "" || r.header.Get("Location") != apiRoot+subs+"/"+id {
		t.Fatalf("create: Location %q body %s", r.header.Get("Location"), r.body)
	}
	stored, err := e.client.O2imsV1alpha1().InventorySubscriptions("tenant-a").List(context.Background(), metav1.ListOptions{})
	if err != nil || len(stored.Items) != 1 || stored.Items[0].Spec.SubscriptionID != id {
		t.Fatalf("stored subscriptions: %v %v", stored, err)
	}

	r = e.do("GET", "alice-token", subs+"/"+id, "")
	e.expect(r, 200, "get")
	e.schema.Validate(t, 1, "Subscription", r.body)
	r = e.do("GET", "alice-token", subs+"?filter=(eq,consumerSubscriptionId,3F20D850-AF4F-484F-8B5A-0AD585410361)", "")
	e.expect(r, 200, "list by consumer id")
	if got := ids(decodeList(t, r.body), "subscriptionId"); got != id {
		t.Errorf("list by consumerSubscriptionId: %s", got)
	}

	e.expect(e.do("POST", "alice-token", subs, `{"callback":"https://smo.example.net/cb"}`), 409, "duplicate callback")
	for name, body := range map[string]string{
		"no callback":       `{"consumerSubscriptionId":"x"}`,
		"relative callback": `{"callback":"/cb"}`,
		"ftp callback":      `{"callback":"ftp://smo/cb"}`,
		"malformed JSON":    `{"callback":`,
		"XML":               `<subscription><callback>https://x</callback></subscription>`,
		"bad filter":        `{"callback":"https://smo.example.net/other","filter":"(eq,name"}`,
		"server id":         `{"callback":"https://smo.example.net/other","subscriptionId":"` + poolA + `"}`,
		"unknown field":     `{"callback":"https://smo.example.net/other","colour":"blue"}`,
	} {
		e.expect(e.do("POST", "alice-token", subs, body), 400, name)
	}
	// A caller who may not create in a tenant gets 403 whatever the body: its checks answer
	// only callers who may create there (regression: bad bodies got 400 first).
	for name, body := range map[string]string{
		"malformed JSON": `{"callback":`,
		"no callback":    `{}`,
		"duplicate":      `{"callback":"https://smo.example.net/cb"}`,
	} {
		e.expect(e.do("POST", "alice-token", "/tenants/tenant-b"+inventory+"/v1/subscriptions", body), 403, "tenant-b, "+name)
	}
	e.expect(e.do("PATCH", "alice-token", subs+"/"+id, `{}`), 405, "PATCH")
	e.expect(e.do("PUT", "alice-token", subs, `{}`), 405, "PUT on the collection")

	// Not visible to another tenant's root, nor deletable through it.
	e.expect(e.do("GET", "admin-token", "/tenants/tenant-b"+inventory+"/v1/subscriptions/"+id, ""), 404, "get via tenant-b")
	e.expect(e.do("DELETE", "alice-token", "/tenants/tenant-b"+inventory+"/v1/subscriptions/"+id, ""), 403, "delete via tenant-b")

	r = e.do("DELETE", "alice-token", subs+"/"+id, "")
	e.expect(r, 200, "delete")
	e.expect(e.do("GET", "alice-token", subs+"/"+id, ""), 404, "get after delete")
	e.expect(e.do("DELETE", "alice-token", subs+"/"+id, ""), 404, "delete again")

	// The default apiRoot keeps subscriptions in the configured namespace.
	r = e.do("POST", "admin-token", inventory+"/v2/subscriptions", `{"callback":"https://smo.example.net/v2"}`)
	e.expect(r, 201, "create at the default root")
	if !strings.HasPrefix(r.header.Get("Location"), apiRoot+inventory+"/v2/subscriptions/") {
		t.Errorf("Location %s", r.header.Get("Location"))
	}
	if l, err := e.client.O2imsV1alpha1().InventorySubscriptions("o2ims-system").List(context.Background(), metav1.ListOptions{}); err != nil || len(l.Items) != 1 {
		t.Errorf("subscription namespace: %v %v", l, err)
	}
}

// A body with a stray "]" or "}" after its JSON object is malformed, like any other trailing
// data (regression: the trailing-data check let a closing bracket through, so such a body
// created a subscription, acknowledged an alarm or created a provisioning request).
func TestRegressionTrailingCloserAfterJSONBody(t *testing.T) {
	e := newMonitoringEnv(t)
	p := newProvisioningEnv(t)
	for _, closer := range []string{"]", "}", " ]", "]]"} {
		e.expect(e.do("POST", "alice-token", "/tenants/tenant-a"+inventory+"/v1/subscriptions", `{"callback":"https://smo.example.net/t"}`+closer), 400, "subscription"+closer)
		e.expect(e.doWith("PATCH", "alice-token", monitoring+"/v1/alarms/"+alarmA, mergePatchType, `{"alarmAcknowledged":true}`+closer), 400, "alarm"+closer)
		p.expect(p.do("POST", "alice-token", "/tenants/tenant-a"+provisioning+"/v1/provisioningRequests", requestBody(requestID, "v1.31.0", `{}`)+closer), 400, "provisioning request"+closer)
	}
	if l, _ := e.client.O2imsV1alpha1().InventorySubscriptions("tenant-a").List(context.Background(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Errorf("subscriptions created: %+v", l.Items)
	}
	if a, _ := e.client.O2imsV1alpha1().AlarmEventRecords("tenant-a").Get(context.Background(), "worker-1-ready", metav1.GetOptions{}); a.Spec.Acknowledged {
		t.Error("alarm acknowledged")
	}
	if l, _ := p.client.O2imsV1alpha1().ProvisioningRequests("tenant-a").List(context.Background(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Errorf("provisioning requests created: %+v", l.Items)
	}
}

// TestRegressionSharedSubscriptionNamesCannotBeTaken: on the default apiRoot every SMO creates
// its subscriptions in one namespace, and the O2 POST named them after the subscriber and the
// callback. Another SMO could compute that name, create an object under it with kubectl first,
// and the owner's POST of that callback answered 409 for good (found by a next-door probe of
// make run); a server-side dry-run create of the name answered AlreadyExists, which told
// whether that SMO had subscribed that callback. Names there are now random, and a duplicate
// is the caller's own subscription to the same callback, whatever its name.
func TestRegressionSharedSubscriptionNamesCannotBeTaken(t *testing.T) {
	e := newEnvWith(t, func(c *Config) {
		c.Authorizer = authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
			if a.GetVerb() == tenancy.VerbManageOthers {
				return authorizer.DecisionNoOpinion, "", nil
			}
			return authorizer.DecisionAllow, "", nil
		})
	})
	subs := inventory + "/v1/subscriptions"
	const smoA, callback = "system:serviceaccount:tenant-a:smo", "https://smo-a.example.net/cb"

	// What the name used to be, taken by the SMO next door with another callback.
	h := sha256.New()
	h.Write([]byte(smoA + "\x00" + callback))
	squatted := "o2-" + hex.EncodeToString(h.Sum(nil)[:10])
	if _, err := e.client.O2imsV1alpha1().InventorySubscriptions("o2ims-system").Create(context.Background(), &o2v1.InventorySubscription{
		ObjectMeta: metav1.ObjectMeta{Name: squatted, Namespace: "o2ims-system"},
		Spec: o2v1.InventorySubscriptionSpec{Callback: "https://smo-b.example.net/squat", SubscriptionID: string(uuid.NewUUID()),
			Subscriber: &o2v1.SubscriberInfo{Username: "system:serviceaccount:tenant-b:smo"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	r := e.do("POST", "sa-a-token", subs, `{"callback":"`+callback+`"}`)
	e.expect(r, 201, "the owner's POST beside a squatted name")
	id, _ := decodeObject(t, r.body)["subscriptionId"].(string)
	stored, err := e.client.O2imsV1alpha1().InventorySubscriptions("o2ims-system").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stored.Items {
		if s.Spec.SubscriptionID == id && s.Name == squatted {
			t.Errorf("the subscription is named %s, which another SMO can compute", s.Name)
		}
	}

	// A duplicate is still refused; another SMO's same callback is not one.
	e.expect(e.do("POST", "sa-a-token", subs, `{"callback":"`+callback+`"}`), 409, "the same callback again")
	e.expect(e.do("POST", "sa-b-token", subs, `{"callback":"`+callback+`"}`), 201, "another SMO, the same callback")
}

// TestRegressionCreateOnlyDuplicateIs409: a caller allowed to create subscriptions in a
// tenant but not to get them POSTed a callback that already had a subscription there and was
// answered 403 "not allowed to get", though its POST is allowed and conflicts: it gets the 409,
// without the existing id (which only a caller who may read it is told).
func TestRegressionCreateOnlyDuplicateIs409(t *testing.T) {
	const creator = "reader" // here: may create subscriptions in tenant-a, nothing else
	e := newEnvWith(t, func(c *Config) {
		c.Authorizer = authorizer.AuthorizerFunc(func(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
			if a.GetUser().GetName() == creator {
				if a.GetNamespace() == "tenant-a" && a.GetVerb() == "create" {
					return authorizer.DecisionAllow, "", nil
				}
				return authorizer.DecisionNoOpinion, "", nil
			}
			return authz(ctx, a)
		})
	})
	subs := "/tenants/tenant-a" + inventory + "/v1/subscriptions"
	body := `{"callback":"https://smo.example.net/cb"}`
	r := e.do("POST", "alice-token", subs, body)
	e.expect(r, http.StatusCreated, "alice's subscription")
	id, _ := decodeObject(t, r.body)["subscriptionId"].(string)

	attrs := func(r response) map[string]string {
		var p struct {
			Attributes map[string]string `json:"additionalAttributes"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		return p.Attributes
	}
	r = e.do("POST", creator+"-token", subs, body)
	e.expect(r, http.StatusConflict, "the same callback, by a caller who may create but not get")
	if got := attrs(r)["subscriptionId"]; got != "" {
		t.Errorf("the 409 names subscription %s to a caller who may not read it", got)
	}
	r = e.do("POST", "alice-token", subs, body)
	e.expect(r, http.StatusConflict, "the same callback, by alice")
	if got := attrs(r)["subscriptionId"]; got != id {
		t.Errorf("alice's 409 names %q, want her subscription %s", got, id)
	}
	e.expect(e.do("POST", creator+"-token", subs, `{"callback":"https://smo.example.net/other"}`), http.StatusCreated, "another callback")
}

// TestRegressionOverlongSubscriptionResolvedBeforeRefused: a subscription POST whose callback
// or filter the API server refuses for its length was first checked for duplicates and its
// callback resolved (DNS lookups, the per-key lock held), then answered with the API server's
// message about its internal object (spec.filter of o2-<hex>). The O2 face now refuses such a
// body itself, first, naming the O2 attribute.
func TestRegressionOverlongSubscriptionResolvedBeforeRefused(t *testing.T) {
	e := newMonitoringEnv(t)
	post := "/tenants/tenant-a" + inventory + "/v1/subscriptions"
	for field, body := range map[string]string{
		"callback": `{"callback":"https://smo.example.net/` + strings.Repeat("c", validation.MaxURILength) + `"}`,
		"filter":   `{"callback":"https://smo.example.net/t","filter":"(eq,name,` + strings.Repeat("f", validation.MaxFilterLength) + `)"}`,
	} {
		r := e.do("POST", "alice-token", post, body)
		e.expect(r, 400, "overlong "+field)
		var p struct {
			Detail string            `json:"detail"`
			Attrs  map[string]string `json:"additionalAttributes"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil || p.Attrs["field"] != field || !strings.Contains(p.Detail, "at most") {
			t.Errorf("overlong %s: problem %s, want one naming %s and its bound", field, r.body, field)
		}
	}
	if l, _ := e.client.O2imsV1alpha1().InventorySubscriptions("tenant-a").List(context.Background(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Errorf("subscriptions created: %+v", l.Items)
	}
}
