package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/authorization/authorizer"
	compbasemetrics "k8s.io/component-base/metrics"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// TestRegressionQueuedRelatedIDsNotSentAfterListRevoked: a LocationInfo notification queued
// while its owner could list the O-Cloud sites carries their oCloudSiteIds; once the owner
// may no longer list sites (still getting locations), the worker re-checked only "get" of the
// location and sent the queued ids: the "may read now" bound did not hold for related ids.
func TestRegressionQueuedRelatedIDsNotSentAfterListRevoked(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [4096]byte
		n, _ := r.Body.Read(b[:])
		mu.Lock()
		bodies = append(bodies, append([]byte(nil), b[:n]...))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	m, err := newMetrics(compbasemetrics.NewKubeRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var mayListSites atomic.Bool
	mayListSites.Store(true)
	authz := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.GetNamespace() != "tenant-a" {
			return authorizer.DecisionNoOpinion, "", nil
		}
		if a.GetVerb() == "get" || (a.GetVerb() == "list" && mayListSites.Load()) {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
	w, sub, v := relatedWorker(t, authz, nil, m, srv.URL)
	ctx := context.Background()

	loc := &v1alpha1.Location{}
	loc.Namespace, loc.Name = "tenant-a", "l"
	loc.Spec.GlobalLocationID = "loc-1"
	ev := &Event{Type: Create, Kind: model.KindLocationInfo, Namespace: "tenant-a", Name: "l", UID: "u", ResourceVersion: "5", Post: loc}
	body, id, ok, err := BuildBody(sub, access{related: true}, ev, sitesRelated{"site-secret"})
	if err != nil || !ok {
		t.Fatalf("BuildBody: %v %v", ok, err)
	}
	entry := Entry{StreamID: "1-1", NotificationID: id, Body: body, Kind: string(model.KindLocationInfo), Namespace: "tenant-a"}

	mayListSites.Store(false)
	v.forget(sub.UID) // the decision cache's TTL, elapsed
	if !w.deliver(ctx, entry) {
		t.Fatal("deliver stopped")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 {
		t.Fatalf("%d POSTs, want 1 (the location may still be read)", len(bodies))
	}
	var got struct {
		PostObjectState map[string]any `json:"postObjectState"`
	}
	if err := json.Unmarshal(bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if ids, _ := got.PostObjectState["oCloudSiteIds"].([]any); len(ids) != 0 {
		t.Errorf("oCloudSiteIds %v sent after the owner lost list ocloudsites, want []", ids)
	}
	if got.PostObjectState["globalLocationId"] != "loc-1" {
		t.Errorf("the location itself: %v", got.PostObjectState)
	}
}

type sitesRelated []string

func (s sitesRelated) SitesAt(string, string) []string { return s }
func (s sitesRelated) PoolsIn(string, string) []string { return s }
func (sitesRelated) GlobalCloudID() string             { return "" }

// relatedWorker is a worker delivering alice's inventory subscription (version 2) in tenant-a to
// callback, asking authz again before each attempt whether she may read the object and list
// its related objects through v, as the notifier does; store may be nil.
func relatedWorker(t *testing.T, authz authorizer.Authorizer, store *Store, m *metrics, callback string) (w *worker, sub *Subscription, v *visibility) {
	t.Helper()
	v = newVisibility(authz, nil)
	cfg := &deliveryConfig{
		store:   store,
		sender:  NewSender(SenderConfig{Policy: &CallbackPolicy{Allowed: loopback(t)}, Timeout: 5 * time.Second, Secrets: noSecrets{}}),
		metrics: m, backoff: Backoff{Base: time.Hour, Max: time.Hour}, acks: newAcker(store, storeRetry()),
		depth: new(atomic.Int64), changed: func(string, bool) {},
		visible: func(ctx context.Context, sub *Subscription, kind, namespace string) (bool, error) {
			return v.visible(ctx, sub, model.Kind(kind), namespace)
		},
		related: v.relatedAccess,
	}
	sub = compiled(t, "tenant-a", &v1alpha1.SubscriberInfo{Username: "alice"}, map[string]string{v1alpha1.AnnotationNotificationVersion: "2"})
	sub.Callback = callback + "/cb"
	return newWorker(cfg, sub, v1alpha1.InventorySubscriptionStatus{}), sub, v
}
