package o2rest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"syscall"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

// While the authorizer cannot decide (its SubjectAccessReview cannot reach the cluster's API
// server), an O2 request is answered 503 with Retry-After (regression: a request the
// authorizer failed on outright was a 500, which SMOs do not retry and which reads as
// netweave's fault; and on the default apiRoot, where a caller without cluster-wide access is
// decided namespace by namespace, a failed decision hid the namespace, so a list answered 200
// without its objects and a GET by id 404, telling the SMO they were gone).
func TestRegressionAuthorizerUnreachableIs503(t *testing.T) {
	// failing: 1 every decision for alice errs; 2 only her namespaced ones (her cluster-wide
	// check still answers "no opinion", so she is decided namespace by namespace).
	var failing atomic.Int32
	unreachable := &url.Error{Op: "Post", URL: "https://10.0.0.1:443/apis/authorization.k8s.io/v1/subjectaccessreviews",
		Err: fmt.Errorf("dial tcp 10.0.0.1:443: %w", syscall.ECONNREFUSED)}
	e := newEnvWith(t, func(c *Config) {
		c.Authorizer = authorizer.AuthorizerFunc(func(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
			if a.GetUser().GetName() == "alice" {
				switch failing.Load() {
				case 1:
					return authorizer.DecisionNoOpinion, "", unreachable
				case 2:
					if a.GetNamespace() != "" {
						return authorizer.DecisionNoOpinion, "", unreachable
					}
				}
			}
			return authz(ctx, a)
		})
	})
	pools := inventory + "/v1/resourcePools"
	tenantPools := "/tenants/tenant-a" + pools
	e.expect(e.do("GET", "alice-token", pools, ""), 200, "before")
	for mode, requests := range map[int32][]struct{ method, path, body string }{
		1: {
			{"GET", tenantPools, ""},
			{"GET", tenantPools + "/" + poolA, ""},
			{"GET", pools, ""},
			{"POST", "/tenants/tenant-a" + inventory + "/v1/subscriptions", `{"callback":"https://smo.example.net/cb"}`},
		},
		2: {
			{"GET", pools, ""},
			{"GET", pools + "/" + poolA, ""},
			{"GET", pools + "/" + poolA + "/resources", ""},
		},
	} {
		failing.Store(mode)
		for _, c := range requests {
			r := e.do(c.method, "alice-token", c.path, c.body)
			e.expect(r, http.StatusServiceUnavailable, c.method+" "+c.path)
			if r.header.Get("Retry-After") == "" {
				t.Errorf("%s %s: no Retry-After", c.method, c.path)
			}
		}
	}
	failing.Store(0)
	r := e.do("GET", "alice-token", pools+"/"+poolA, "")
	e.expect(r, 200, "once the authorizer answers again")
	if l, _ := e.client.O2imsV1alpha1().InventorySubscriptions("tenant-a").List(context.Background(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Errorf("a subscription was created while its authorization failed: %+v", l.Items)
	}
}
