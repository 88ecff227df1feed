package o2rest

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
