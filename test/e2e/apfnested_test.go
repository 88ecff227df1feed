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

// burstFlowControl puts every request of the SMO user in a priority level of its own with few
// seats (3 of netweave's 600 with the cluster's suggested levels), none lent or borrowed, one
// queue: what a cluster admin does to keep an SMO's traffic from crowding out the rest.
const burstFlowControl = `apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {name: e2e-smo-burst}
spec:
  type: Limited
  limited:
    nominalConcurrencyShares: 1
    lendablePercent: 0
    borrowingLimitPercent: 0
    limitResponse:
      type: Queue
      queuing: {queues: 1, handSize: 1, queueLengthLimit: 200}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata: {name: e2e-smo-burst}
spec:
  priorityLevelConfiguration: {name: e2e-smo-burst}
  matchingPrecedence: 500
  distinguisherMethod: {type: ByUser}
  rules:
  - subjects: [{kind: User, user: {name: smo}}]
    resourceRules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"], clusterScope: true}]
    nonResourceRules: [{verbs: ["*"], nonResourceURLs: ["*"]}]
`

// TestRegressionO2WritesDoNotDeadlockTheirPriorityLevel: an O2 write (a subscription POST) holds
// a seat of its caller's priority level in the O2 chain while it makes its write through the
// Kubernetes face as the caller, and that write is classified into the same priority level.
// With more writes in flight than the level has seats, every seat was held by a request
// waiting for a write queued behind the others: nothing moved until the queue wait ran out,
// the writes failed 429, and every other user of the level waited too. One request must take
// one seat, however many hops it makes inside netweave.
func TestRegressionO2WritesDoNotDeadlockTheirPriorityLevel(t *testing.T) {
	// --request-timeout=20s makes the queue wait 5 s (a quarter of it), so the failure shows
	// quickly.
	s := startStack(t, "--request-timeout=20s")
	s.kubectl(t, localstack.Admin, "create", "rolebinding", "smo-burst-subscriber", "-n", localstack.APIServiceNamespace,
		"--clusterrole=o2ims-subscriber", "--user="+localstack.SMO)
	if out, stderr, err := s.kubectlStdin(t, localstack.Admin, burstFlowControl, "apply", "-f", "-"); err != nil {
		t.Fatalf("apply the flow control: %v\n%s%s", err, out, stderr)
	}
	uid := s.kubectl(t, localstack.Admin, "get", "flowschema", "e2e-smo-burst", "-o", "jsonpath={.metadata.uid}")
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

	const writes = 24
	type result struct {
		code       int
		body, flow string
		took       time.Duration
	}
	results := make([]result, writes)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			began := time.Now()
			code, hdr, body := smo.try(http.MethodPost, inventoryAPI+"/v1/subscriptions",
				fmt.Sprintf(`{"callback":"https://smo.example.net/burst/%d"}`, i))
			results[i] = result{code, body, hdr.Get("X-Kubernetes-PF-FlowSchema-UID"), time.Since(began)}
		}()
	}
	close(start)
	wg.Wait()

	failed, slowest := 0, time.Duration(0)
	for i, r := range results {
		slowest = max(slowest, r.took)
		if r.code != http.StatusCreated {
			failed++
			t.Errorf("POST %d: %d after %s: %s", i, r.code, r.took.Round(time.Millisecond), strings.TrimSpace(r.body))
		} else if r.flow != uid {
			// The outer request is still admitted by API Priority and Fairness, as the SMO.
			t.Errorf("POST %d was classified by FlowSchema %q, want the SMO's %q", i, r.flow, uid)
		}
	}
	t.Logf("%d concurrent subscription POSTs on 3 seats: %d failed, slowest %s", writes, failed, slowest.Round(time.Millisecond))
	// Each write takes milliseconds; a request that waited out the 5 s queue wait was stuck.
	if slowest >= 5*time.Second {
		t.Errorf("the slowest POST took %s: it waited for a seat its own request held", slowest.Round(time.Millisecond))
	}
}

// try is do for another goroutine than the test's: a failure to reach netweave is the answer
// (status 0 and the error), not the test's end.
func (c *o2Client) try(method, path, body string) (int, http.Header, string) {
	req, err := http.NewRequest(method, c.s.o2APIRoot()+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err.Error()
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, resp.Header, err.Error()
	}
	return resp.StatusCode, resp.Header, string(b)
}

// saFlowControl puts every ServiceAccount's requests at kube-apiserver in a priority level with
// 3 seats, none lent or borrowed, fair-queued per user: the suggested "service-accounts"
// FlowSchema's workload-low level on a busy cluster, in small.
const saFlowControl = `apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {name: e2e-service-accounts}
spec:
  type: Limited
  limited:
    nominalConcurrencyShares: 1
    lendablePercent: 0
    borrowingLimitPercent: 0
    limitResponse:
      type: Queue
      queuing: {queues: 64, handSize: 6, queueLengthLimit: 200}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata: {name: e2e-service-accounts}
spec:
  priorityLevelConfiguration: {name: e2e-service-accounts}
  matchingPrecedence: 1000
  distinguisherMethod: {type: ByUser}
  rules:
  - subjects: [{kind: Group, group: {name: "system:serviceaccounts"}}]
    resourceRules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"], clusterScope: true}]
    nonResourceRules: [{verbs: ["*"], nonResourceURLs: ["*"]}]
`

// TestRegressionAggregatedRequestsDoNotWaitOnTheirAuthorization: a request of the kubectl face
// holds a seat at kube-apiserver while the aggregator proxies it to netweave, and netweave
// authorizes it with a SubjectAccessReview back at kube-apiserver, as netweave's
// ServiceAccount. Both are ServiceAccount requests, which the cluster's suggested FlowSchemas
// put in one priority level (workload-low): with as many such requests in flight as the level
// has seats, every seat was held by a request waiting for a review queued behind the others,
// and the requests failed after kube-apiserver's queue wait. The install's FlowSchema puts
// netweave's reviews in a level of their own (workload-high), as the cluster's own
// kube-system controllers are.
func TestRegressionAggregatedRequestsDoNotWaitOnTheirAuthorization(t *testing.T) {
	ctx := context.Background()
	s := startStack(t)
	const ns = "e2e-apf-sa"
	s.kubectl(t, localstack.Admin, "create", "namespace", ns)
	s.kubectl(t, localstack.Admin, "create", "serviceaccount", "smo", "-n", ns)
	s.kubectl(t, localstack.Admin, "create", "rolebinding", "smo-reader", "-n", ns, "--clusterrole=o2ims-reader", "--serviceaccount="+ns+":smo")
	if out, stderr, err := s.kubectlStdin(t, localstack.Admin, saFlowControl, "apply", "-f", "-"); err != nil {
		t.Fatalf("apply the flow control: %v\n%s%s", err, out, stderr)
	}
	uid := s.kubectl(t, localstack.Admin, "get", "flowschema", "e2e-service-accounts", "-o", "jsonpath={.metadata.uid}")
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
	const reads = 24
	type result struct {
		code int
		body string
		took time.Duration
	}
	results := make([]result, reads)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			began := time.Now()
			code, _, body := get(fmt.Sprintf("missing-%d", i))
			results[i] = result{code, body, time.Since(began)}
		}()
	}
	close(start)
	wg.Wait()
	failed, slowest := 0, time.Duration(0)
	for i, r := range results {
		slowest = max(slowest, r.took)
		if r.code != http.StatusNotFound {
			failed++
			t.Errorf("GET %d: %d after %s: %s", i, r.code, r.took.Round(time.Millisecond), strings.TrimSpace(r.body))
		}
	}
	t.Logf("%d concurrent kubectl-face GETs by a ServiceAccount on 3 seats: %d failed, slowest %s", reads, failed, slowest.Round(time.Millisecond))
	if slowest >= 5*time.Second {
		t.Errorf("the slowest GET took %s: it waited for a seat its own request held", slowest.Round(time.Millisecond))
	}
}
