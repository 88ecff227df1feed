package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/request/bearertoken"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapifilters "k8s.io/apiserver/pkg/endpoints/filters"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/alertmanager"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
	"github.com/netweave-io/netweave/test/e2e/framework"
)

// alarmState is an alarms.Sink that keeps the alarm set the contract describes (Observe raises
// or clears one alarm, Sync replaces a source's set) and reports every call on a channel, so
// a test waits for Alertmanager's webhook instead of sleeping.
type alarmState struct {
	mu     sync.Mutex
	active map[string]alarms.Observation
	calls  chan string
}

func newAlarmState() *alarmState {
	return &alarmState{active: map[string]alarms.Observation{}, calls: make(chan string, 64)}
}

func (s *alarmState) Observe(_ context.Context, o alarms.Observation) error {
	s.mu.Lock()
	if o.Active {
		s.active[o.Key] = o
	} else {
		delete(s.active, o.Key)
	}
	s.mu.Unlock()
	s.calls <- "observe"
	return nil
}

func (s *alarmState) Sync(_ context.Context, source string, active []alarms.Observation) error {
	s.mu.Lock()
	s.active = map[string]alarms.Observation{}
	for _, o := range active {
		if o.Source == source {
			s.active[o.Key] = o
		}
	}
	s.mu.Unlock()
	s.calls <- "sync"
	return nil
}

func (s *alarmState) get(key string) (alarms.Observation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.active[key]
	return o, ok
}

// waitFor waits for calls to the sink until cond holds.
func (s *alarmState) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-s.calls:
		case <-deadline:
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

const senderToken = "alertmanager-sa-token"

// alertSender is the identity Alertmanager's bearer token authenticates as, and the only one
// the test's authorizer lets send alerts (what the o2ims-alert-sender ClusterRole grants).
var alertSender = &user.DefaultInfo{Name: "system:serviceaccount:monitoring:alertmanager"}

// receiverForTest serves the webhook receiver behind the API server's authentication filter,
// with a bearer token authenticator standing in for TokenReview.
func receiverForTest(t *testing.T, sink alarms.Sink, resolver alertmanager.Resolver) *httptest.Server {
	tokens := authenticator.TokenFunc(func(_ context.Context, token string) (*authenticator.Response, bool, error) {
		if token != senderToken {
			return nil, false, nil
		}
		return &authenticator.Response{User: alertSender}, true, nil
	})
	authz := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.GetUser().GetName() == alertSender.Name && a.GetVerb() == "create" && a.GetResource() == alertmanager.WebhookResource {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
	h := alertmanager.NewHandler(alertmanager.HandlerConfig{Sink: sink, Resolver: resolver, Authorizer: authz})
	failed := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "unauthenticated", http.StatusUnauthorized)
	})
	mux := http.NewServeMux()
	mux.Handle(alertmanager.WebhookPath, genericapifilters.WithAuthentication(h, bearertoken.New(tokens), failed, nil, nil))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// nodeResolver resolves against one Node, worker-1.
func nodeResolver(t *testing.T) (*alertmanager.NodeResolver, alarms.ObjectRef) {
	ids, err := inventory.NewIDs("7d3b0a52-8a44-4f0e-9d6c-2f0c1d7e9b10")
	if err != nil {
		t.Fatal(err)
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-1", UID: "8e9c0a1d-worker-1"}}
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	if err := idx.Add(node); err != nil {
		t.Fatal(err)
	}
	cfg := alertmanager.NodeResolverConfig{IDs: ids, Namespace: "o2ims-inventory", Cluster: kube.ClusterInfo{Name: "edge-1", UID: "cluster-uid"}}
	want := alarms.ObjectRef{Class: alertmanager.ClassResource, ID: kube.NodeResourceID(ids, node),
		TypeID: kube.NodeKindOf(node).ID(ids), Namespace: cfg.Namespace}
	return alertmanager.NewNodeResolver(corelisters.NewNodeLister(idx), cfg), want
}

func alert(name string, labels map[string]string, startsAt, endsAt time.Time) *models.PostableAlert {
	l := models.LabelSet{"alertname": name}
	for k, v := range labels {
		l[k] = v
	}
	a := &models.PostableAlert{
		Alert:       models.Alert{Labels: l},
		Annotations: models.LabelSet{"summary": name + " on worker-1"},
		StartsAt:    strfmt.DateTime(startsAt),
	}
	if !endsAt.IsZero() {
		a.EndsAt = strfmt.DateTime(endsAt)
	}
	return a
}

func TestAlertmanagerWebhookRaisesThenClearsTheAlarmOfANode(t *testing.T) {
	sink := newAlarmState()
	resolver, worker1 := nodeResolver(t)
	srv := receiverForTest(t, sink, resolver)
	am := framework.StartAlertmanagerForTest(t, framework.AlertmanagerOptions{
		WebhookURL: srv.URL + alertmanager.WebhookPath, BearerToken: senderToken,
	})
	ctx := context.Background()
	started := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	labels := map[string]string{"severity": "critical", "node": "worker-1"}
	if err := am.PostAlerts(ctx, models.PostableAlerts{alert("NodeDown", labels, started, time.Time{})}); err != nil {
		t.Fatal(err)
	}
	var fingerprint string
	sink.waitFor(t, "the firing alert is an active alarm", func() bool {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		for k := range sink.active {
			fingerprint = k
		}
		return fingerprint != ""
	})
	o, _ := sink.get(fingerprint)
	if o.Object != worker1 || o.Severity != alarms.SeverityCritical || o.Definition != "NodeDown" ||
		!o.Since.Equal(started) || o.Text != "NodeDown on worker-1" || o.Source != alertmanager.SourceName {
		t.Errorf("firing alert observed as %+v; want a critical NodeDown about %+v since %s", o, worker1, started)
	}

	ended := time.Now().UTC().Truncate(time.Second)
	if err := am.PostAlerts(ctx, models.PostableAlerts{alert("NodeDown", labels, started, ended)}); err != nil {
		t.Fatal(err)
	}
	sink.waitFor(t, "the resolved alert clears the alarm", func() bool {
		_, ok := sink.get(fingerprint)
		return !ok
	})
}

func TestAlertmanagerResyncReportsActiveAlertsAndDropsResolvedOnes(t *testing.T) {
	sink := newAlarmState()
	resolver, _ := nodeResolver(t)
	// The webhook goes nowhere: this test is about what the resync alone tells the sink, as
	// when every webhook was lost.
	am := framework.StartAlertmanagerForTest(t, framework.AlertmanagerOptions{WebhookURL: "http://127.0.0.1:1/lost"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	disk := alert("DiskFull", map[string]string{"severity": "warning", "cluster": "edge-1"}, started, time.Time{})
	if err := am.PostAlerts(ctx, models.PostableAlerts{disk}); err != nil {
		t.Fatal(err)
	}

	src, err := alertmanager.NewSource(alertmanager.SourceConfig{
		URL: mustParseURL(t, am.URL), Client: http.DefaultClient, Interval: time.Hour, Resolver: resolver,
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, sink) }()
	var key string
	sink.waitFor(t, "the resync at start reports the alert that was already active", func() bool {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		for k, o := range sink.active {
			if o.Definition == "DiskFull" {
				key = k
			}
		}
		return key != ""
	})
	if o, _ := sink.get(key); o.Object.Class != alertmanager.ClassDeploymentManager || o.Severity != alarms.SeverityWarning {
		t.Errorf("resynced alert observed as %+v; want a warning about the DeploymentManager", o)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}

	// Resolved while netweave heard nothing: the next resync leaves it out, and Sync drops it.
	disk.EndsAt = strfmt.DateTime(time.Now().UTC())
	if err := am.PostAlerts(context.Background(), models.PostableAlerts{disk}); err != nil {
		t.Fatal(err)
	}
	if err := src.Resync(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if o, ok := sink.get(key); ok {
		t.Errorf("the resolved alert's alarm survived the resync: %+v", o)
	}
}

func mustParseURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
