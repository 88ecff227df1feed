package o2rest

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
)

// TestRegressionDeleteOfGoneProvisioningRequestIs404: a DELETE of a request this replica's
// cache still held but the store no longer did (another replica's DELETE had finished) was
// answered 202 with a Location that is a 404, also when pinned with If-Match, whose
// precondition cannot hold for a request that is gone. The contract's answer for a missing
// request is 404, which the same DELETE gets once the cache has caught up; a precondition is
// not evaluated when the request without it fails (RFC 9110 13.2.1), so If-Match gets it too.
func TestRegressionDeleteOfGoneProvisioningRequestIs404(t *testing.T) {
	e := newProvisioningEnv(t)
	base := "/tenants/tenant-a" + provisioning + "/v1/provisioningRequests"
	r := e.do("POST", "alice-token", base, requestBody(requestID, "v1.31.0", `{"workers":3}`))
	e.expect(r, 201, "create")
	current := r.header.Get("ETag")
	// The store has lost the request; the cache has not heard yet.
	e.client.PrependReactor("delete", "provisioningrequests", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewNotFound(a.GetResource().GroupResource(), a.(k8stesting.DeleteAction).GetName())
	})
	for name, ifMatch := range map[string]string{"unconditional": "", "If-Match *": "*", "If-Match of the version read": current} {
		headers := map[string]string{}
		if ifMatch != "" {
			headers["If-Match"] = ifMatch
		}
		r := e.doHeaders("DELETE", "alice-token", base+"/"+requestID, "", headers)
		e.expect(r, 404, name)
		e.schema.Validate(t, 1, "ProblemDetails", r.body)
	}
}
