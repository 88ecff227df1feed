package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	compbasemetrics "k8s.io/component-base/metrics"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// rbac allows user "get" on resources in the namespaces listed for them.
type rbac map[string]map[string]bool

func (r rbac) authorizer() authorizer.Authorizer {
	return authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.GetVerb() == "get" && r[a.GetUser().GetName()][a.GetNamespace()] {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
}

func compiled(t *testing.T, ns string, subscriber *v1alpha1.SubscriberInfo, annotations map[string]string) *Subscription {
	t.Helper()
	s, err := Compile(&v1alpha1.InventorySubscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "s", UID: types.UID("uid-" + ns), Annotations: annotations},
		Spec:       v1alpha1.InventorySubscriptionSpec{Callback: "https://smo.example.com/cb", Subscriber: subscriber},
	}, "o2ims-system")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRegressionKubectlSubscriptionSeesOnlyWhatItsOwnerMayGet reproduces the report: a user
// with o2ims-subscriber in o2ims-system creates a subscription there with kubectl (no
// annotation) and received changes of a pool in tenant-a, where it has no rights.
func TestRegressionKubectlSubscriptionSeesOnlyWhatItsOwnerMayGet(t *testing.T) {
	v := newVisibility(rbac{"smo": {"o2ims-system": true}}.authorizer(), nil)
	sub := compiled(t, "o2ims-system", &v1alpha1.SubscriberInfo{Username: "smo"}, nil)
	ctx := context.Background()
	if sees(t, v, ctx, sub, model.KindResourcePool, "tenant-a") {
		t.Error("a change in tenant-a reached a subscriber without rights there")
	}
	if !sees(t, v, ctx, sub, model.KindResourcePool, "o2ims-system") {
		t.Error("a change the subscriber may get was not delivered")
	}
}

// TestSubscriptionWithoutSubscriberReceivesNothing: an ownerless object (made before owners
// were recorded) cannot widen what it receives, not even in its own namespace.
func TestSubscriptionWithoutSubscriberReceivesNothing(t *testing.T) {
	v := newVisibility(rbac{}.authorizer(), nil)
	for _, ns := range []string{"o2ims-system", "tenant-a"} {
		sub := compiled(t, ns, nil, nil)
		if sees(t, v, context.Background(), sub, model.KindResource, ns) {
			t.Errorf("ownerless subscription in %s received a change", ns)
		}
	}
}

// TestSubscriberAnnotationGrantsNothing: the retired o2ims.oran.org/subscriber annotation, which
// any creator could set, is ignored.
func TestSubscriberAnnotationGrantsNothing(t *testing.T) {
	v := newVisibility(rbac{"admin": {"tenant-a": true}, "mallory": {}}.authorizer(), nil)
	sub := compiled(t, "o2ims-system", &v1alpha1.SubscriberInfo{Username: "mallory"},
		map[string]string{"o2ims.oran.org/subscriber": `{"username":"admin"}`})
	if sees(t, v, context.Background(), sub, model.KindResource, "tenant-a") {
		t.Error("the annotation widened a subscription")
	}
}

// TestTenantSubscriptionStaysInItsNamespace: a subscription in tenant-a gets nothing from
// tenant-b even when its owner may read tenant-b.
func TestTenantSubscriptionStaysInItsNamespace(t *testing.T) {
	v := newVisibility(rbac{"alice": {"tenant-a": true, "tenant-b": true}}.authorizer(), nil)
	sub := compiled(t, "tenant-a", &v1alpha1.SubscriberInfo{Username: "alice"}, nil)
	ctx := context.Background()
	if sees(t, v, ctx, sub, model.KindResource, "tenant-b") || sees(t, v, ctx, sub, model.KindOCloudInfo, "") {
		t.Error("a tenant subscription received a change outside its namespace")
	}
	if !sees(t, v, ctx, sub, model.KindResource, "tenant-a") {
		t.Error("a change in the subscription's own namespace was not delivered")
	}
}

// TestTenantSubscriptionLosesAccess: once the owner may no longer get the objects, changes stop
// (after the decision cache's TTL, which forget short-cuts here).
func TestTenantSubscriptionLosesAccess(t *testing.T) {
	r := rbac{"alice": {"tenant-a": true}}
	v := newVisibility(r.authorizer(), nil)
	sub := compiled(t, "tenant-a", &v1alpha1.SubscriberInfo{Username: "alice"}, nil)
	ctx := context.Background()
	if !sees(t, v, ctx, sub, model.KindResource, "tenant-a") {
		t.Fatal("not delivered while allowed")
	}
	delete(r["alice"], "tenant-a")
	v.forget(sub.UID)
	if sees(t, v, ctx, sub, model.KindResource, "tenant-a") {
		t.Error("delivered after the owner lost access")
	}
}

// sees is v.visible, which fails only when its context ends while it waits.
func sees(t *testing.T, v *visibility, ctx context.Context, sub *Subscription, kind model.Kind, namespace string) bool {
	t.Helper()
	ok, err := v.visible(ctx, sub, kind, namespace)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// countWaits counts visibility's waits, and closes reached at the wait numbered at.
type countWaits struct {
	n       atomic.Int32
	at      int32
	reached chan struct{}
}

func (c *countWaits) Inc() {
	if c.n.Add(1) == c.at {
		close(c.reached)
	}
}

// TestRegressionAuthorizerOutageDropsNoNotification: when the authorizer could not decide
// whether a subscription's owner may read a change (its SubjectAccessReview failed to reach
// the cluster's API server), the change was not sent to that subscription, for good: each
// change is processed once. Members' inventory changes and alarms made during an outage of
// the cluster's own API server were lost that way. The notifier now waits and asks again
// until the authorizer answers; a refusal, or an error that is not an outage, still denies at
// once.
func TestRegressionAuthorizerOutageDropsNoNotification(t *testing.T) {
	unreachable := &url.Error{Op: "Post", URL: "https://10.0.0.1:443/apis/authorization.k8s.io/v1/subjectaccessreviews",
		Err: fmt.Errorf("dial tcp 10.0.0.1:443: %w", syscall.ECONNREFUSED)}
	var mu sync.Mutex
	var failWith error        // what the next decisions fail with
	var failures atomic.Int32 // how many more decisions fail
	setFailure := func(err error, n int32) {
		mu.Lock()
		failWith = err
		mu.Unlock()
		failures.Store(n)
	}
	allow := rbac{"alice": {"tenant-a": true}}.authorizer()
	authz := authorizer.AuthorizerFunc(func(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if failures.Add(-1) >= 0 {
			mu.Lock()
			defer mu.Unlock()
			return authorizer.DecisionNoOpinion, "", failWith
		}
		return allow.Authorize(ctx, a)
	})
	waits := &countWaits{at: 3, reached: make(chan struct{})}
	r := newReplayRig(t)
	r.n.vis = newVisibility(authz, waits)
	r.n.subs[alarmFamily] = &subscriptions{workers: map[string]*worker{}, delivery: r.n.delivery, admit: r.n.admit}
	sub := alarmSub(t, "tenant-a", "", 1, &v1alpha1.SubscriberInfo{Username: "alice"})
	r.add(t, sub)

	// Two decisions fail as an outage does, then the authorizer answers: the change is sent.
	setFailure(unreachable, 2)
	r.emitAll(t, event(Create, nil, alarm("tenant-a", 10, nil)))
	if got := len(r.queue(sub.UID)); got != 1 {
		t.Fatalf("%d notifications after an authorizer outage, want 1", got)
	}
	if got := waits.n.Load(); got != 2 {
		t.Errorf("%d waits, want 2", got)
	}

	// The notifier stops while it waits: the change is not committed (it is processed again
	// from the cursor by whoever leads next), and emit says so.
	r.n.vis.forget(sub.UID)
	setFailure(unreachable, 1<<20)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-waits.reached // waiting on the authorizer
		cancel()
	}()
	ev := event(Create, nil, alarm("tenant-a", 11, nil))
	ev.Observed = time.Now()
	if err := r.n.emit(ctx, ev, []byte("{}"), ""); !errors.Is(err, context.Canceled) {
		t.Errorf("emit while the notifier stops: %v, want context.Canceled", err)
	}
	if got := len(r.queue(sub.UID)); got != 1 {
		t.Errorf("%d notifications, want still 1", got)
	}

	// An error that is not an outage (the review itself refused) denies at once, as before.
	r.n.vis.forget(sub.UID)
	setFailure(apierrors.NewBadRequest("invalid SubjectAccessReview"), 1)
	before := waits.n.Load()
	r.emitAll(t, event(Create, nil, alarm("tenant-a", 12, nil)))
	if got := len(r.queue(sub.UID)); got != 1 {
		t.Errorf("%d notifications after a refused review, want still 1", got)
	}
	if waits.n.Load() != before {
		t.Error("waited on an error that is not an outage")
	}
}

// TestRegressionQueuedNotificationsNotSentAfterRevocation: access was checked once, when a
// change was queued. alice's callback failed for a while, her queue grew, and the operator
// revoked her RoleBinding: once her callback answered again, everything queued about tenant-a
// was POSTed to it, however long after the revocation (up to --notifier-max-age, 24h). The
// worker now asks again before each attempt and drops what she may no longer get, counted as
// dropped (reason "revoked"). Entries queued by a version that did not record the object's
// kind are sent as before.
func TestRegressionQueuedNotificationsNotSentAfterRevocation(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	m, err := newMetrics(compbasemetrics.NewKubeRegistry())
	if err != nil {
		t.Fatal(err)
	}
	grants := rbac{"alice": {"tenant-a": true}}
	v := newVisibility(grants.authorizer(), nil)
	cfg := &deliveryConfig{
		sender:  NewSender(SenderConfig{Policy: &CallbackPolicy{Allowed: loopback(t)}, Timeout: 5 * time.Second, Secrets: noSecrets{}}),
		metrics: m, backoff: Backoff{Base: time.Hour, Max: time.Hour}, acks: newAcker(nil, storeRetry()),
		depth: new(atomic.Int64), changed: func(string, bool) {},
		visible: func(ctx context.Context, sub *Subscription, kind, namespace string) (bool, error) {
			return v.visible(ctx, sub, model.Kind(kind), namespace)
		},
	}
	sub := compiled(t, "tenant-a", &v1alpha1.SubscriberInfo{Username: "alice"}, nil)
	sub.Callback = srv.URL + "/cb"
	w := newWorker(cfg, sub, v1alpha1.InventorySubscriptionStatus{})
	ctx := context.Background()
	entry := func(id, kind string) Entry {
		return Entry{StreamID: id, NotificationID: id, Body: []byte(`{"notificationId":"` + id + `"}`), Kind: kind, Namespace: "tenant-a"}
	}

	if !w.deliver(ctx, entry("1-1", string(model.KindResource))) || posts.Load() != 1 {
		t.Fatalf("while alice may get it: %d POSTs, want 1", posts.Load())
	}
	delete(grants["alice"], "tenant-a")
	v.forget(sub.UID) // the decision cache's TTL, elapsed
	for _, id := range []string{"1-2", "1-3"} {
		if !w.deliver(ctx, entry(id, string(model.KindResource))) {
			t.Fatal("deliver stopped")
		}
	}
	if got := posts.Load(); got != 1 {
		t.Errorf("%d POSTs after the revocation, want none more", got)
	}
	if got := w.stats.st.Dropped; got != 2 {
		t.Errorf("status.dropped %d, want 2", got)
	}
	if n := droppedTotal(t, m, dropRevoked); n != 2 {
		t.Errorf("dropped{reason=revoked} %v, want 2", n)
	}
	if !w.deliver(ctx, entry("1-4", "")) || posts.Load() != 2 {
		t.Errorf("an entry of an older version (no kind): %d POSTs, want it sent", posts.Load())
	}
}

// TestRegressionVisibilityCacheDropsExpiredDecisions: the notifier kept every authorization
// decision it made for a subscription until the subscription ended, one per namespace its
// changes came from, though each is used for accessTTL only: a subscription for all
// namespaces on a cluster whose namespaces come and go grew the cache without bound.
func TestRegressionVisibilityCacheDropsExpiredDecisions(t *testing.T) {
	r := rbac{"smo": {}}
	v := newVisibility(r.authorizer(), nil)
	clock := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	v.now = func() time.Time { return clock }
	sub := compiled(t, "o2ims-system", &v1alpha1.SubscriberInfo{Username: "smo"}, nil)
	ctx := context.Background()
	const perRound = 100
	for round := 0; round < 20; round++ {
		for i := 0; i < perRound; i++ {
			ns := fmt.Sprintf("ns-%d-%d", round, i)
			r["smo"][ns] = true
			if !sees(t, v, ctx, sub, model.KindResource, ns) {
				t.Fatalf("%s: not delivered while allowed", ns)
			}
		}
		clock = clock.Add(accessTTL / 2)
	}
	v.mu.Lock()
	n := len(v.cache)
	v.mu.Unlock()
	// Decisions older than a TTL are dropped at the sweep after they expire: at most the
	// last two TTLs' worth (four rounds here) are held.
	if n > 4*perRound {
		t.Errorf("%d decisions cached after 20 rounds of %d namespaces; want at most %d", n, perRound, 4*perRound)
	}
	// A decision still within its TTL is used, not asked again.
	delete(r["smo"], "ns-19-0")
	if !sees(t, v, ctx, sub, model.KindResource, "ns-19-0") {
		t.Error("a decision within its TTL was dropped")
	}
}
