package o2rest

import (
	"net/http"
	"strings"
	"testing"
)

// TestRegressionMisspeltSubscriptionFilterAccepted: an inventory subscription's filter was only
// parsed, so a misspelt attribute was a 201 and the subscription then matched nothing with eq,
// and everything with neq (a missing attribute satisfies it): the SMO silently received what
// it did not ask for, where the same filter on a list is a 400. An attribute no notified
// inventory kind's document has is now a 400 naming it; objectType, attributes of any one kind
// (in either version) and extension keys stay accepted.
func TestRegressionMisspeltSubscriptionFilterAccepted(t *testing.T) {
	e := newProvisioningEnv(t)
	path := "/tenants/tenant-a" + inventory + "/v1/subscriptions"
	for i, bad := range []string{"(eq,resourcePoolID,x)", "(neq,nosuch,1)", "(eq,objectType,Resource);(eq,descriptoin,x)"} {
		r := e.do("POST", "alice-token", path, `{"callback":"https://smo.example.com/bad-`+string(rune('a'+i))+`","filter":"`+bad+`"}`)
		e.expect(r, http.StatusBadRequest, bad)
		if !strings.Contains(string(r.body), "filter") {
			t.Errorf("%s: the 400 does not name the filter: %s", bad, r.body)
		}
	}
	for i, good := range []string{"(eq,resourcePoolId,x)", "(in,objectType,Resource,ResourcePool);(neq,name,x)",
		"(eq,extensions/rack,r1)", "(eq,oCloudSiteId,x)", "(eq,deploymentManagerId,x)"} {
		r := e.do("POST", "alice-token", path, `{"callback":"https://smo.example.com/good-`+string(rune('a'+i))+`","filter":"`+good+`"}`)
		e.expect(r, http.StatusCreated, good)
	}
}
