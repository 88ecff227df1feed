package o2rest

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestRegressionConsumerSubscriptionIdNotAUUID: consumerSubscriptionId is a uuid in every
// contract that declares a type for it (inventory v1 and v2 Subscription, monitoring v1
// AlarmSubscriptionInfo, netweave's provisioning subscriptions), and so in every notification
// that echoes it. A POST with any string was answered 201 and the value stored, so every later
// GET of the collection and every notification carried a document that does not validate: an
// SMO client generated from the contract (a uuid-typed field) then fails to decode the whole
// list, a tenant's other SMOs' included. Such a POST is now a 400 naming the attribute. Any
// 8-4-4-4-12 hexadecimal form is a uuid, whatever its case or version nibble (the O-RAN SC
// compliance suite sends "3F20D850-AF4F-A84F-FB5A-0AD585410361"), and it is echoed as sent.
// Monitoring v2 is netweave's own description of spec v10, which leaves the attribute free.
func TestRegressionConsumerSubscriptionIdNotAUUID(t *testing.T) {
	e := newProvisioningEnv(t)
	const suiteID = "3F20D850-AF4F-A84F-FB5A-0AD585410361"
	for i, path := range []string{
		"/tenants/tenant-a" + inventory + "/v1/subscriptions",
		"/tenants/tenant-a" + inventory + "/v2/subscriptions",
		"/tenants/tenant-a" + monitoring + "/v1/alarmSubscriptions",
		"/tenants/tenant-a" + provisioning + "/v1/subscriptions",
	} {
		for _, bad := range []string{"not-a-uuid", "3F20D850AF4FA84FFB5A0AD585410361", "{3f20d850-af4f-a84f-fb5a-0ad585410361}",
			"urn:uuid:3f20d850-af4f-a84f-fb5a-0ad585410361", " 3f20d850-af4f-a84f-fb5a-0ad585410361", "3f20d850-af4f-a84f-fb5a-0ad58541036g"} {
			r := e.do("POST", "alice-token", path, `{"callback":"https://smo.example.com/bad","consumerSubscriptionId":"`+bad+`"}`)
			e.expect(r, http.StatusBadRequest, path+" "+bad)
			var p struct {
				AdditionalAttributes map[string]string `json:"additionalAttributes"`
			}
			if err := json.Unmarshal(r.body, &p); err != nil || p.AdditionalAttributes["field"] != "consumerSubscriptionId" {
				t.Errorf("%s %q: the 400 does not name consumerSubscriptionId: %s", path, bad, r.body)
			}
		}
		callback := "https://smo.example.com/good-" + string(rune('a'+i))
		r := e.do("POST", "alice-token", path, `{"callback":"`+callback+`","consumerSubscriptionId":"`+suiteID+`"}`)
		e.expect(r, http.StatusCreated, path+" "+suiteID)
		if got := decodeObject(t, r.body)["consumerSubscriptionId"]; got != suiteID {
			t.Errorf("%s: consumerSubscriptionId echoed as %v, want %s", path, got, suiteID)
		}
	}
	r := e.do("POST", "alice-token", "/tenants/tenant-a"+monitoring+"/v2/alarmSubscriptions", `{"callback":"https://smo.example.com/v2","consumerSubscriptionId":"smo-a/alarms"}`)
	e.expect(r, http.StatusCreated, "monitoring v2, a free consumerSubscriptionId")
}
