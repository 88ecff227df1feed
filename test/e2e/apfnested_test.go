package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/internal/localstack"
)

// tightLevel applies a priority level called name with few seats (3 of a server's 600 with the
// cluster's suggested levels), none lent or borrowed, and a FlowSchema of the same name that
// puts every request of subject in it (precedence 1000: after the install's netweave-reviews,
// 900, before the suggested ones a tenant's requests meet, 9000 and after), fair-queued per
// user over queues queues; it returns the FlowSchema's uid, which the servers name in
// X-Kubernetes-PF-FlowSchema-UID.
func (s *stack) tightLevel(t *testing.T, name, subject string, queues int) string {
	t.Helper()
	manifest := fmt.Sprintf(`apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {name: %[1]s}
spec:
  type: Limited
  limited:
    nominalConcurrencyShares: 1
    lendablePercent: 0
    borrowingLimitPercent: 0
    limitResponse:
      type: Queue
      queuing: {queues: %[3]d, handSize: 1, queueLengthLimit: 200}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata: {name: %[1]s}
spec:
  priorityLevelConfiguration: {name: %[1]s}
  matchingPrecedence: 1000
  distinguisherMethod: {type: ByUser}
  rules:
  - subjects: [%[2]s]
    resourceRules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"], clusterScope: true}]
    nonResourceRules: [{verbs: ["*"], nonResourceURLs: ["*"]}]
`, name, subject, queues)
	if out, stderr, err := s.kubectlStdin(t, localstack.Admin, manifest, "apply", "-f", "-"); err != nil {
		t.Fatalf("apply the flow control: %v\n%s%s", err, out, stderr)
	}
	return s.kubectl(t, localstack.Admin, "get", "flowschema", name, "-o", "jsonpath={.metadata.uid}")
}

// answer is what one request of a burst got.
type answer struct {
	code int
	hdr  http.Header
	body string
	took time.Duration
}

// concurrently makes n requests at once, do(i) being the i-th, and waits for every answer.
func concurrently(n int, do func(i int) (int, http.Header, string)) []answer {
	out := make([]answer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			began := time.Now()
			code, hdr, body := do(i)
			out[i] = answer{code, hdr, body, time.Since(began)}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// checkBurst fails t for every answer but want, and when the slowest took the queue wait
// (5 s and more): it waited for a seat its own request held. It logs what happened.
func checkBurst(t *testing.T, what string, answers []answer, want int) {
	t.Helper()
	failed, slowest := 0, time.Duration(0)
	for i, a := range answers {
		slowest = max(slowest, a.took)
		if a.code != want {
			failed++
			t.Errorf("%s %d: %d after %s: %s", what, i, a.code, a.took.Round(time.Millisecond), strings.TrimSpace(a.body))
		}
	}
	t.Logf("%d concurrent %ss on 3 seats: %d failed, slowest %s", len(answers), what, failed, slowest.Round(time.Millisecond))
	if slowest >= 5*time.Second {
		t.Errorf("the slowest %s took %s: it waited for a seat its own request held", what, slowest.Round(time.Millisecond))
	}
}

// TestRegressionO2WritesDoNotDeadlockTheirPriorityLevel: an O2 write (a subscription POST) holds
// a seat of its caller's priority level in the O2 chain while it makes its write through the
// Kubernetes face as the caller, and that write is classified into the same priority level.
// With more writes in flight than the level has seats, every seat was held by a request
// waiting for a write queued behind the others: nothing moved until the queue wait ran out,
// the writes failed 429, and every other user of the level waited too. One request must take
// one seat, however many hops it makes inside netweave.
func TestRegressionO2WritesDoNotDeadlockTheirPriorityLevel(t *testing.T) {
	// Runs alone, before the parallel tests: see main_test.go.
	// --request-timeout=20s makes the queue wait 5 s (a quarter of it), so the failure shows
	// quickly.
	s := startStack(t, "--request-timeout=20s")
	s.kubectl(t, localstack.Admin, "create", "rolebinding", "smo-burst-subscriber", "-n", localstack.APIServiceNamespace,
		"--clusterrole=o2ims-subscriber", "--user="+localstack.SMO)
	// What a cluster admin does to keep an SMO's traffic from crowding out the rest; one queue.
	uid := s.tightLevel(t, "e2e-smo-burst", `{kind: User, user: {name: smo}}`, 1)
	smo := s.o2As(t, localstack.SMO)
	eventually(t, 60*time.Second, "netweave classifies the SMO's requests by the new FlowSchema", func() error {
		code, hdr, body := smo.do(http.MethodGet, inventoryAPI+"/v1/subscriptions", "")
		if code != http.StatusOK {
			return errorf("GET subscriptions: %d %s", code, body)
		}
		if got := hdr.Get("X-Kubernetes-PF-FlowSchema-UID"); got != uid {
			return errorf("matched FlowSchema %q, want %q", got, uid)
		}
		return nil
	})

	answers := concurrently(24, func(i int) (int, http.Header, string) {
		return smo.try(http.MethodPost, inventoryAPI+"/v1/subscriptions", fmt.Sprintf(`{"callback":"https://smo.example.net/burst/%d"}`, i))
	})
	checkBurst(t, "subscription POST", answers, http.StatusCreated)
	for i, a := range answers {
		// The O2 request itself is still admitted by API Priority and Fairness, as the SMO.
		if got := a.hdr.Get("X-Kubernetes-PF-FlowSchema-UID"); a.code == http.StatusCreated && got != uid {
			t.Errorf("POST %d was classified by FlowSchema %q, want the SMO's %q", i, got, uid)
		}
	}
}

// try is do for another goroutine than the test's: a failure to reach netweave is the answer
// (status 0 and the error), not the test's end.
func (c *o2Client) try(method, path, body string) (int, http.Header, string) {
	code, hdr, b, err := c.roundTrip(method, path, "application/json", body)
	if err != nil {
		return code, hdr, err.Error()
	}
	return code, hdr, string(b)
}

// TestRegressionAggregatedRequestsDoNotWaitOnTheirAuthorization: a request of the kubectl face
// holds a seat at kube-apiserver while the aggregator proxies it to netweave, and netweave
// authorizes it with a SubjectAccessReview back at kube-apiserver, as netweave's
// ServiceAccount. Both are ServiceAccount requests, which the cluster's suggested FlowSchemas
// put in one priority level (workload-low): with as many such requests in flight as the level
// has seats, every seat was held by a request waiting for a review queued behind the others,
// and the requests failed after kube-apiserver's queue wait. The install's FlowSchema puts
// netweave's reviews in a level of their own (workload-high), as the cluster's own
// kube-system controllers are; its other FlowSchema puts netweave's Leases where theirs are.
func TestRegressionAggregatedRequestsDoNotWaitOnTheirAuthorization(t *testing.T) {
	// Runs alone, before the parallel tests: see main_test.go.
	ctx := context.Background()
	s := startStack(t)
	const ns = "e2e-apf-sa"
	s.kubectl(t, localstack.Admin, "create", "namespace", ns)
	s.kubectl(t, localstack.Admin, "create", "serviceaccount", "smo", "-n", ns)
	s.kubectl(t, localstack.Admin, "create", "rolebinding", "smo-reader", "-n", ns, "--clusterrole=o2ims-reader", "--serviceaccount="+ns+":smo")
	// The suggested "service-accounts" FlowSchema's workload-low level on a busy cluster, in
	// small: every ServiceAccount's requests at kube-apiserver, fair-queued per user.
	uid := s.tightLevel(t, "e2e-service-accounts", `{kind: Group, group: {name: "system:serviceaccounts"}}`, 64)
	token, err := s.cp.ServiceAccountToken(ctx, ns, "smo")
	if err != nil {
		t.Fatal(err)
	}
	cfg := rest.AnonymousClientConfig(s.cp.RESTConfig(localstack.Admin))
	cfg.BearerToken = token
	cfg.Timeout = 30 * time.Second
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) (int, http.Header, string) {
		resp, err := client.Get(cfg.Host + "/apis/o2ims.oran.org/v1alpha1/namespaces/" + ns + "/inventorysubscriptions/" + name)
		if err != nil {
			return 0, nil, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	eventually(t, 60*time.Second, "kube-apiserver classifies the ServiceAccount's requests by the new FlowSchema", func() error {
		code, hdr, body := get("warm-up")
		if code != http.StatusNotFound {
			return errorf("GET: %d %s", code, body)
		}
		if got := hdr.Get("X-Kubernetes-PF-FlowSchema-UID"); got != uid {
			return errorf("matched FlowSchema %q, want %q", got, uid)
		}
		return nil
	})

	// Each GET names another object, so each needs a review of its own (none is cached).
	checkBurst(t, "kubectl-face GET", concurrently(24, func(i int) (int, http.Header, string) {
		return get(fmt.Sprintf("missing-%d", i))
	}), http.StatusNotFound)

	// The install's FlowSchemas match what netweave sends: its reviews, and its Lease renewals
	// (leader election and the store watermark, every 2 s), each in its level.
	for _, want := range []string{
		`apiserver_flowcontrol_dispatched_requests_total{flow_schema="netweave-reviews",priority_level="workload-high"}`,
		`apiserver_flowcontrol_dispatched_requests_total{flow_schema="netweave-leader-election",priority_level="leader-election"}`,
	} {
		eventually(t, 30*time.Second, want, func() error {
			metrics := s.kubectl(t, localstack.Admin, "get", "--raw", "/metrics")
			for _, line := range strings.Split(metrics, "\n") {
				if strings.HasPrefix(line, want+" ") && !strings.HasSuffix(line, " 0") {
					return nil
				}
			}
			return errorf("kube-apiserver dispatched no request so")
		})
	}
}
