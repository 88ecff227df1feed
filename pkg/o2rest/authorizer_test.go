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

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/tenancy"
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

// TestRegressionManageOthersUnreachableIs503: on the default apiRoot an operator sees other
// SMOs' subscriptions in the shared namespace through the manage-others permission. When that
// one check could not be decided, its error was dropped and read as "no": the list answered
// 200 [] and GET and DELETE of bob's subscription 404, telling the operator it was gone.
func TestRegressionManageOthersUnreachableIs503(t *testing.T) {
	const bobsID = "c0000000-0000-4000-8000-00000000000c"
	bobs := &o2v1.InventorySubscription{ObjectMeta: objMeta(provNS, "o2-bobs"), Spec: o2v1.InventorySubscriptionSpec{
		SubscriptionID: bobsID, Callback: "https://bob.example.net/cb", Subscriber: &o2v1.SubscriberInfo{Username: "bob"}}}
	var failing atomic.Bool
	unreachable := &url.Error{Op: "Post", URL: "https://10.0.0.1:443/apis/authorization.k8s.io/v1/subjectaccessreviews",
		Err: fmt.Errorf("dial tcp 10.0.0.1:443: %w", syscall.ECONNREFUSED)}
	e := newEnvOf(t, append(fixtures(), bobs), func(c *Config) {
		c.Authorizer = authorizer.AuthorizerFunc(func(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
			if failing.Load() && a.GetVerb() == tenancy.VerbManageOthers {
				return authorizer.DecisionNoOpinion, "", unreachable
			}
			return authz(ctx, a)
		})
	})
	subs := inventory + "/v1/subscriptions"
	r := e.do("GET", "admin-token", subs+"/"+bobsID, "")
	e.expect(r, http.StatusOK, "bob's subscription, to the operator, while the authorizer answers")
	failing.Store(true)
	for _, c := range []struct{ method, path string }{
		{"GET", subs},
		{"GET", subs + "/" + bobsID},
		{"DELETE", subs + "/" + bobsID},
	} {
		r := e.do(c.method, "admin-token", c.path, "")
		e.expect(r, http.StatusServiceUnavailable, c.method+" "+c.path+" while manage-others cannot be decided")
		if r.header.Get("Retry-After") == "" {
			t.Errorf("%s %s: no Retry-After", c.method, c.path)
		}
	}
	failing.Store(false)
	e.expect(e.do("GET", "admin-token", subs+"/"+bobsID, ""), http.StatusOK, "bob's subscription is still there")
}
