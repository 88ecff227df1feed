package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/util/wait"
	compbasemetrics "k8s.io/component-base/metrics"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionEvictedInFlightNotificationNotRetried: a callback that fails keeps its worker
// retrying the oldest notification while the queue fills; the bound evicts that very one
// (counted dropped), but the worker went on POSTing it from memory: delivered after it was
// reported dropped, or, once expired, counted dropped a second time.
func TestRegressionEvictedInFlightNotificationNotRetried(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rs := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer rc.Close()
	store := NewStore(rc, "t").WithQueueLimits(QueueLimits{Length: 1})

	var mu sync.Mutex
	var posts []string // the notifications POSTed, in order
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [4096]byte
		n, _ := r.Body.Read(b[:])
		mu.Lock()
		if strings.Contains(string(b[:n]), "first") {
			posts = append(posts, "first")
		} else {
			posts = append(posts, "second")
		}
		mu.Unlock()
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	count := func(k string) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, p := range posts {
			if p == k {
				n++
			}
		}
		return n
	}
	until := func(what string, timeout time.Duration, cond func() bool) {
		t.Helper()
		if err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, timeout, true, func(context.Context) (bool, error) { return cond(), nil }); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	m, err := newMetrics(compbasemetrics.NewKubeRegistry())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &deliveryConfig{
		store:   store,
		sender:  NewSender(SenderConfig{Policy: &CallbackPolicy{Allowed: loopback(t)}, Timeout: 5 * time.Second, Secrets: noSecrets{}}),
		metrics: m, backoff: Backoff{Base: 20 * time.Millisecond, Max: 20 * time.Millisecond}, storeRetry: storeRetry(),
		maxAge: 2 * time.Second,
		batch:  32, idlePoll: time.Hour, acks: newAcker(store, storeRetry()), depth: new(atomic.Int64),
		changed: func(string, bool) {},
	}
	go cfg.acks.run(ctx)
	sub := &Subscription{}
	sub.UID, sub.Name, sub.Callback = "s1", "s1", srv.URL+"/cb"
	w := newWorker(cfg, sub, v1alpha1.InventorySubscriptionStatus{})
	commit := func(id string) Queued {
		t.Helper()
		q, err := store.Commit(ctx, Change{Kind: "x", Items: []Item{{SubscriptionUID: "s1", NotificationID: id,
			Body: []byte(`{"notificationId":"` + id + `"}`), Observed: time.Now(), Handled: w.handledThrough()}}})
		if err != nil {
			t.Fatal(err)
		}
		return q[0]
	}
	commit("first")
	w.start(ctx)
	defer w.halt()
	until("the first notification retried", 10*time.Second, func() bool { return count("first") >= 2 })
	// What Notifier.handoff does with a commit that evicted entries.
	q := commit("second")
	if q.Evicted != 1 {
		t.Fatalf("evicted %d, want 1", q.Evicted)
	}
	w.stats.dropped(q.Evicted)
	w.resync()
	// Retried from memory, the evicted one held the second back until it expired (2 s).
	until("the second notification attempted", time.Second, func() bool { return count("second") >= 2 })
	// Then the second expires too, and the queue is empty: one eviction, one expiry counted.
	until("the queue emptied", 10*time.Second, func() bool {
		entries, err := store.Head(ctx, "s1", "", 1)
		return err == nil && len(entries) == 0
	})
	if d := w.stats.snapshot().Dropped; d != 2 {
		t.Errorf("status.dropped = %d, want 2 (one evicted, one expired)", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if i := slices.Index(posts, "second"); slices.Contains(posts[i:], "first") {
		t.Errorf("the evicted notification was POSTed after the second one: %v", posts)
	}
}
