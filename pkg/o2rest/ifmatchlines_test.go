package o2rest

import (
	"context"
	"net/http"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const otherRequestID = "123e4567-e89b-12d3-a456-426614174001"

// sendIfMatchLines sends a write with each of tags as its own If-Match field line.
func (e *env) sendIfMatchLines(method, token, path, contentType, body string, tags ...string) response {
	e.t.Helper()
	return e.doRequest(method, token, path, body, func(h http.Header) {
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		for _, tag := range tags {
			h.Add("If-Match", tag)
		}
	})
}

// TestRegressionIfMatchFieldLinesAfterTheFirstIgnored: If-Match is a list (RFC 9110 13.1.1),
// and a list sent as several field lines is the same list as one comma-separated line
// (RFC 9110 5.3). Only the first line was read, so a write whose second line named the
// current version was refused 412: an alarm's PATCH, a provisioning request's PUT and DELETE
// and the alarm service configuration's writes.
func TestRegressionIfMatchFieldLinesAfterTheFirstIgnored(t *testing.T) {
	e := newMonitoringEnv(t)
	r := e.sendIfMatchLines("PATCH", "alice-token", monitoring+"/v1/alarms/"+alarmA, mergePatchType, `{"alarmAcknowledged":true}`, `"4"`, `"5"`)
	e.expect(r, 200, `alarm PATCH with If-Match lines "4" and "5" (current)`)
	conf := monitoring + "/v1/alarmServiceConfiguration"
	r = e.doWith("PUT", "admin-token", conf, "application/json", `{"retentionPeriod":3,"extensions":{}}`)
	e.expect(r, 200, "create the configuration")
	r = e.sendIfMatchLines("PATCH", "admin-token", conf, mergePatchType, `{"retentionPeriod":7}`, `"1"`, r.header.Get("ETag"))
	e.expect(r, 200, "configuration PATCH with the current version on the second line")

	p := newProvisioningEnv(t)
	base := "/tenants/tenant-a" + provisioning + "/v1/provisioningRequests"
	r = p.do("POST", "alice-token", base, requestBody(requestID, "v1.31.0", `{"workers":3}`))
	p.expect(r, 201, "create")
	r = p.sendIfMatchLines("PUT", "alice-token", base+"/"+requestID, "application/json", requestBody(requestID, "v1.32.0", `{"workers":3}`), `"1"`, r.header.Get("ETag"))
	p.expect(r, 200, "PUT with the current version on the second line")
	p.expect(p.sendIfMatchLines("DELETE", "alice-token", base+"/"+requestID, "", "", `"1"`, r.header.Get("ETag")), 202, "DELETE with the current version on the second line")
	// A stale list is still refused.
	p.expect(p.do("POST", "alice-token", "/tenants/tenant-a"+provisioning+"/v1/provisioningRequests", requestBody(otherRequestID, "v1.31.0", `{}`)), 201, "create another")
	p.expect(p.sendIfMatchLines("DELETE", "alice-token", base+"/"+otherRequestID, "", "", `"1"`, `"2"`), 412, "DELETE with stale versions on two lines")
	if _, err := p.client.O2imsV1alpha1().ProvisioningRequests("tenant-a").Get(context.Background(), otherRequestID, metav1.GetOptions{}); err != nil {
		t.Fatalf("a refused DELETE deleted: %v", err)
	}
}
