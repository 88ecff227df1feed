package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/notify"
	"github.com/netweave-io/netweave/pkg/o2rest/model/modeltest"
)

// notifierArgs turn the notifier on with timings fit for tests: loopback callbacks allowed,
// fast retries, a short lease so a restarted netweave leads again quickly.
var notifierArgs = []string{
	"--notifier=true",
	"--notifier-allowed-callback-cidrs=127.0.0.0/8",
	"--notifier-retry-base=50ms",
	"--notifier-retry-max=400ms",
	"--notifier-status-interval=200ms",
	"--notifier-lease-duration=4s",
	"--notifier-renew-deadline=3s",
	"--notifier-retry-period=500ms",
}

// received is one notification as a receiver got it.
type received struct {
	body map[string]any
	raw  []byte
	sig  string
	// id is the notification id header, which alarm notifications carry only there.
	id string
	// at is when it arrived.
	at time.Time
}

// receiver is an SMO's webhook on loopback. fail decides, per request, to answer 500.
type receiver struct {
	t    *testing.T
	srv  *httptest.Server
	fail atomic.Bool

	mu  sync.Mutex
	got []received
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		raw, _ := io.ReadAll(req.Body)
		if r.fail.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("receiver: body is not JSON: %s", raw)
		}
		if id, ok := body["notificationId"]; ok && req.Header.Get(notify.HeaderNotificationID) != id {
			t.Errorf("receiver: %s header %q vs body %v", notify.HeaderNotificationID, req.Header.Get(notify.HeaderNotificationID), body["notificationId"])
		}
		r.mu.Lock()
		r.got = append(r.got, received{body: body, raw: raw, sig: req.Header.Get(notify.HeaderSignature), id: req.Header.Get(notify.HeaderNotificationID), at: time.Now()})
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// about returns the notifications whose prior or post state has spec name, in arrival order.
func (r *receiver) about(name string) []received {
	var out []received
	for _, n := range r.all() {
		if stateName(n.body) == name {
			out = append(out, n)
		}
	}
	return out
}

func stateName(body map[string]any) string {
	for _, k := range []string{"postObjectState", "priorObjectState"} {
		if s, ok := body[k].(map[string]any); ok {
			name, _ := s["name"].(string)
			return name
		}
	}
	return ""
}

func description(body map[string]any) string {
	for _, k := range []string{"postObjectState", "priorObjectState"} {
		if s, ok := body[k].(map[string]any); ok {
			d, _ := s["description"].(string)
			return d
		}
	}
	return ""
}

func eventType(n received) int {
	f, _ := n.body["notificationEventType"].(float64)
	return int(f)
}

// subscribe creates an InventorySubscription with kubectl. It does not wait for the notifier:
// a subscription receives every change made after its creation, even one the notifier
// processed before it learned of the subscription.
func (s *stack) subscribe(t *testing.T, ns, name string, r *receiver, extraSpec string) {
	t.Helper()
	manifest := fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata: {name: %s}
---
apiVersion: o2ims.oran.org/v1alpha1
kind: InventorySubscription
metadata: {name: %s, namespace: %s}
spec:
  callback: %s/%s
  consumerSubscriptionId: 3f20d850-af4f-484f-8b5a-0ad585410361
%s`, ns, name, ns, r.srv.URL, name, extraSpec)
	if out, stderr, err := s.kubectlStdin(t, localstack.Admin, manifest, "apply", "-f", "-"); err != nil {
		t.Fatalf("subscribe: %v\n%s%s", err, out, stderr)
	}
}

func (s *stack) admin(t *testing.T) versioned.Interface {
	client, err := versioned.NewForConfig(s.cp.RESTConfig(localstack.Admin))
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// TestNotifications runs the notifier on the real stack.
func TestNotifications(t *testing.T) {
	t.Parallel()
	s := startStack(t, notifierArgs...)
	schemas := modeltest.New(t)

	t.Run("subscription ownership (issue 8)", func(t *testing.T) { testSubscriptionOwnership(t, s) })

	t.Run("CREATE, MODIFY and DELETE of kubectl changes, valid per the schema", func(t *testing.T) {
		r := newReceiver(t)
		s.kubectl(t, localstack.Admin, "create", "namespace", "notify-basic")
		// The signing key opts in by its type (pkg/notify: signing Secrets must opt in).
		s.kubectl(t, localstack.Admin, "create", "secret", "generic", "hook-key", "-n", "notify-basic", "--type=o2ims.oran.org/signing-key", "--from-literal=key=s3cret")
		s.subscribe(t, "notify-basic", "basic", r, "  signingSecretRef: {name: hook-key, key: key}\n")
		pool := `apiVersion: o2ims.oran.org/v1alpha1
kind: ResourcePool
metadata: {name: edge, namespace: notify-basic}
spec: {name: edge, description: %s, resourcePoolId: 5a1c0b0e-7d3f-4e4a-9d5e-0c1b2a3d4e5f}
`
		for _, d := range []string{"first", "second"} {
			if out, stderr, err := s.kubectlStdin(t, localstack.Admin, fmt.Sprintf(pool, d), "apply", "-f", "-"); err != nil {
				t.Fatalf("apply: %v\n%s%s", err, out, stderr)
			}
		}
		s.kubectl(t, localstack.Admin, "delete", "resourcepool", "edge", "-n", "notify-basic")
		eventually(t, 30*time.Second, "three notifications about edge", func() error {
			if n := len(r.about("edge")); n < 3 {
				return errorf("%d notifications", n)
			}
			return nil
		})
		got := r.about("edge")
		ids := map[string]bool{}
		for i, n := range got {
			schemas.Validate(t, 1, "InventoryChangeNotification", n.raw)
			if eventType(n) != i {
				t.Errorf("notification %d: type %d, want %d", i, eventType(n), i)
			}
			if n.body["objectRef"] != "/o2ims-infrastructureInventory/v1/resourcePools/5a1c0b0e-7d3f-4e4a-9d5e-0c1b2a3d4e5f" {
				t.Errorf("objectRef %v", n.body["objectRef"])
			}
			if n.body["consumerSubscriptionId"] != "3f20d850-af4f-484f-8b5a-0ad585410361" {
				t.Errorf("consumerSubscriptionId %v", n.body["consumerSubscriptionId"])
			}
			if !notify.VerifySignature([]byte("s3cret"), n.raw, n.sig) {
				t.Errorf("signature %q does not verify", n.sig)
			}
			for _, k := range []string{"priorObjectState", "postObjectState"} {
				if st, ok := n.body[k].(map[string]any); ok {
					schemas.Validate(t, 1, "ResourcePool", st)
				}
			}
			ids[n.body["notificationId"].(string)] = true
		}
		if len(ids) != len(got) {
			t.Errorf("notification ids repeat: %v", ids)
		}
		if description(got[1].body) != "second" || got[1].body["priorObjectState"].(map[string]any)["description"] != "first" {
			t.Errorf("MODIFY states: %s", got[1].raw)
		}
		eventually(t, 10*time.Second, "status shows the deliveries", func() error {
			sub, err := s.admin(t).O2imsV1alpha1().InventorySubscriptions("notify-basic").Get(context.Background(), "basic", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if sub.Status.Delivered < 3 || sub.Status.LastSuccessTime == nil || sub.Status.QueueDepth != 0 {
				return errorf("status %+v", sub.Status)
			}
			return nil
		})
	})

	t.Run("a change made right after the subscription is created is notified", func(t *testing.T) {
		client := s.admin(t)
		s.kubectl(t, localstack.Admin, "create", "namespace", "notify-early")
		// Subscriptions and pool changes race: every pool change with a resourceVersion after a
		// subscription's creation must reach it, even when the notifier processed the change
		// before it saw the subscription.
		const n = 20
		receivers := make([]*receiver, n)
		subRV, poolRV := make([]uint64, n), make([]uint64, n)
		var wg sync.WaitGroup
		// Launches are paced so subscriptions and pools interleave over ~100 ms.
		pace := time.NewTicker(5 * time.Millisecond)
		defer pace.Stop()
		for i := range n {
			receivers[i] = newReceiver(t)
			name := "early-" + strconv.Itoa(i)
			wg.Add(2)
			go func() {
				defer wg.Done()
				sub, err := client.O2imsV1alpha1().InventorySubscriptions("notify-early").Create(context.Background(), &v1alpha1.InventorySubscription{
					ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "notify-early"},
					Spec:       v1alpha1.InventorySubscriptionSpec{Callback: receivers[i].srv.URL + "/" + name},
				}, metav1.CreateOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				subRV[i], _ = strconv.ParseUint(sub.ResourceVersion, 10, 64)
			}()
			go func() {
				defer wg.Done()
				// No wait for the notifier: the change follows the 201 of the subscription
				// or races it. The jitter varies the interleaving; nothing waits on it.
				<-time.After(time.Duration(i%4) * time.Millisecond)
				pool, err := client.O2imsV1alpha1().ResourcePools("notify-early").Create(context.Background(), &v1alpha1.ResourcePool{
					ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "notify-early"}, Spec: v1alpha1.ResourcePoolSpec{Name: name}}, metav1.CreateOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				poolRV[i], _ = strconv.ParseUint(pool.ResourceVersion, 10, 64)
			}()
			<-pace.C
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		for i, r := range receivers {
			eventually(t, 30*time.Second, fmt.Sprintf("subscription %d hears of every pool created after it", i), func() error {
				for j := range n {
					if poolRV[j] > subRV[i] && len(r.about("early-"+strconv.Itoa(j))) == 0 {
						return errorf("nothing about early-%d (resourceVersion %d, subscription's %d) yet", j, poolRV[j], subRV[i])
					}
				}
				return nil
			})
		}
	})

	t.Run("filters include and exclude", func(t *testing.T) {
		r := newReceiver(t)
		s.subscribe(t, "notify-filter", "filtered", r, "  filter: \"(eq,objectType,ResourcePool);(in,name,keep,probe)\"\n")
		client := s.admin(t)
		for _, name := range []string{"drop", "keep"} {
			if _, err := client.O2imsV1alpha1().ResourcePools("notify-filter").Create(context.Background(), &v1alpha1.ResourcePool{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "notify-filter"}, Spec: v1alpha1.ResourcePoolSpec{Name: name}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := client.O2imsV1alpha1().ResourceTypes("notify-filter").Create(context.Background(), &v1alpha1.ResourceType{
			ObjectMeta: metav1.ObjectMeta{Name: "keep", Namespace: "notify-filter"}, Spec: v1alpha1.ResourceTypeSpec{Name: "keep"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		// Renaming keep to drop is still sent (the prior state matches); then drop -> drop is not.
		eventually(t, 30*time.Second, "keep is notified", func() error {
			if len(r.about("keep")) == 0 {
				return errorf("not yet")
			}
			return nil
		})
		pool, err := client.O2imsV1alpha1().ResourcePools("notify-filter").Get(context.Background(), "keep", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pool.Spec.Name = "renamed"
		if _, err := client.O2imsV1alpha1().ResourcePools("notify-filter").Update(context.Background(), pool, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, "the rename away from keep is notified", func() error {
			if len(r.about("renamed")) == 0 {
				return errorf("not yet")
			}
			return nil
		})
		// A last probe flushes the queue: delivery is in order, so once it is in, everything
		// queued before it is too.
		flush(t, s, r, "notify-filter")
		for _, n := range r.all() {
			name := stateName(n.body)
			if name == "drop" {
				t.Errorf("excluded pool notified: %s", n.raw)
			}
			if strings.Contains(n.body["objectRef"].(string), "resourceTypes") {
				t.Errorf("excluded kind notified: %s", n.raw)
			}
		}
	})

	t.Run("a callback failing for a while gets every notification in order", func(t *testing.T) {
		r := newReceiver(t)
		s.subscribe(t, "notify-retry", "retry", r, "")
		r.fail.Store(true)
		client := s.admin(t)
		pool, err := client.O2imsV1alpha1().ResourcePools("notify-retry").Create(context.Background(), &v1alpha1.ResourcePool{
			ObjectMeta: metav1.ObjectMeta{Name: "seq", Namespace: "notify-retry"}, Spec: v1alpha1.ResourcePoolSpec{Name: "seq", Description: "0"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < 20; i++ {
			pool.Spec.Description = strconv.Itoa(i)
			if pool, err = client.O2imsV1alpha1().ResourcePools("notify-retry").Update(context.Background(), pool, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, 30*time.Second, "failures show in the status", func() error {
			sub, err := client.O2imsV1alpha1().InventorySubscriptions("notify-retry").Get(context.Background(), "retry", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if sub.Status.ConsecutiveFailures < 2 || sub.Status.LastError == "" || sub.Status.QueueDepth == 0 {
				return errorf("status %+v", sub.Status)
			}
			return nil
		})
		r.fail.Store(false)
		eventually(t, 60*time.Second, "all 20 delivered", func() error {
			if n := len(r.about("seq")); n < 20 {
				return errorf("%d of 20", n)
			}
			return nil
		})
		for i, n := range r.about("seq") {
			if description(n.body) != strconv.Itoa(i) {
				t.Fatalf("notification %d is about description %q: out of order", i, description(n.body))
			}
		}
	})

	t.Run("a tenant's subscription never receives another tenant's objects", func(t *testing.T) {
		ra, rb := newReceiver(t), newReceiver(t)
		s.subscribe(t, "notify-tenant-a", "a", ra, "")
		s.subscribe(t, "notify-tenant-b", "b", rb, "")
		client := s.admin(t)
		for _, ns := range []string{"notify-tenant-a", "notify-tenant-b"} {
			if _, err := client.O2imsV1alpha1().ResourcePools(ns).Create(context.Background(), &v1alpha1.ResourcePool{
				ObjectMeta: metav1.ObjectMeta{Name: "own", Namespace: ns}, Spec: v1alpha1.ResourcePoolSpec{Name: "own", Description: ns}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		flush(t, s, ra, "notify-tenant-a")
		flush(t, s, rb, "notify-tenant-b")
		for name, r := range map[string]*receiver{"notify-tenant-a": ra, "notify-tenant-b": rb} {
			if len(r.about("own")) != 1 {
				t.Errorf("%s: own pool notified %d times", name, len(r.about("own")))
			}
			for _, n := range r.all() {
				if d := description(n.body); strings.HasPrefix(d, "notify-") && d != name {
					t.Errorf("%s received %s", name, n.raw)
				}
			}
		}
	})

	t.Run("deleting a subscription stops its deliveries", func(t *testing.T) {
		r := newReceiver(t)
		s.subscribe(t, "notify-delete", "gone", r, "")
		flush(t, s, r, "notify-delete")
		s.kubectl(t, localstack.Admin, "delete", "inventorysubscription", "gone", "-n", "notify-delete")
		other := newReceiver(t)
		s.subscribe(t, "notify-delete", "witness", other, "")
		// The notifier handles subscriptions in order: once the witness receives, the deleted
		// subscription is gone and receives nothing more.
		flush(t, s, other, "notify-delete")
		before := len(r.all())
		flush(t, s, other, "notify-delete")
		if after := len(r.all()); after != before {
			t.Errorf("deleted subscription received %d more notifications", after-before)
		}
	})

	t.Run("kill -9 during a burst of 1000 changes loses nothing", func(t *testing.T) {
		r := newReceiver(t)
		s.subscribe(t, "notify-burst", "burst", r, "")
		// The replay of changes a subscription missed lives in memory: a notifier killed before
		// it learned of a subscription cannot replay for it. Wait until it delivers.
		flush(t, s, r, "notify-burst")
		burst(t, s, "notify-burst", 1000, func() {
			if err := s.netweave.Kill(); err != nil {
				t.Fatal(err)
			}
			if err := s.netweave.Start(); err != nil {
				t.Fatal(err)
			}
		})
		expectAll(t, r, 1000)
	})

	t.Run("a failover that discards the notifier's commits, and the leader's kill, lose nothing", func(t *testing.T) {
		testNotifierDoubleFault(t, s)
	})

	t.Run("a Redis restart with persistence loses nothing", func(t *testing.T) {
		r := newReceiver(t)
		s.subscribe(t, "notify-redis", "redis", r, "")
		burst(t, s, "notify-redis", 300, func() { s.redis.Restart() })
		expectAll(t, r, 300)
	})

	// Redis frozen mid-burst (SIGSTOP: a partition or a stalled host) until netweave has
	// refused a good number of commands (the notifier's commits and acks among them, each
	// failure lengthening its retries): every acknowledged create is still notified, and
	// notifications flow again within seconds of Redis answering, not after the callback
	// backoff the notifier once applied to its own Redis reads.
	t.Run("a hung Redis loses nothing, and notifications flow soon after it answers", func(t *testing.T) {
		r := newReceiver(t)
		s.subscribe(t, "notify-hung", "hung", r, "")
		m := s.metricsReader(t)
		thawed := make(chan time.Time, 1)
		burst(t, s, "notify-hung", 300, func() {
			resume := s.redis.Freeze()
			before := m.value(t, "netweave_redis_refused_commands_total")
			if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
				return m.value(t, "netweave_redis_refused_commands_total") >= before+100, nil
			}); err != nil {
				t.Errorf("netweave refused fewer than 100 commands while Redis hung: %v", err)
			}
			resume()
			thawed <- time.Now()
		})
		expectAll(t, r, 300)
		last := time.Time{}
		for _, n := range r.all() {
			if n.at.After(last) {
				last = n.at
			}
		}
		t.Logf("all 300 CREATEs delivered %s after Redis answered again", last.Sub(<-thawed).Round(100*time.Millisecond))
	})
}

// flush makes one more change of the pool "probe" (creating it if need be) and waits for it:
// deliveries are in order, so everything queued for the subscription before it has arrived.
func flush(t *testing.T, s *stack, r *receiver, ns string) {
	t.Helper()
	client := s.admin(t)
	marker := "flush " + strconv.FormatInt(time.Now().UnixNano(), 10)
	pool, err := client.O2imsV1alpha1().ResourcePools(ns).Get(context.Background(), "probe", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = client.O2imsV1alpha1().ResourcePools(ns).Create(context.Background(), &v1alpha1.ResourcePool{
			ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: ns},
			Spec:       v1alpha1.ResourcePoolSpec{Name: "probe", Description: marker}}, metav1.CreateOptions{})
	case err == nil:
		pool.Spec.Description = marker
		_, err = client.O2imsV1alpha1().ResourcePools(ns).Update(context.Background(), pool, metav1.UpdateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the flush probe arrives", func() error {
		for _, n := range r.about("probe") {
			if description(n.body) == marker {
				return nil
			}
		}
		return errorf("not yet")
	})
}

// burst creates n pools from 16 writers, calling disrupt once about a third of them exist.
// Writers retry through the disruption; a create that already happened counts as done.
func burst(t *testing.T, s *stack, ns string, n int, disrupt func()) {
	t.Helper()
	client := s.admin(t)
	var next, done atomic.Int64
	var once sync.Once
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				name := "b-" + strconv.FormatInt(i, 10)
				err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
					_, err := client.O2imsV1alpha1().ResourcePools(ns).Create(ctx, &v1alpha1.ResourcePool{
						ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: v1alpha1.ResourcePoolSpec{Name: name}}, metav1.CreateOptions{})
					return err == nil || apierrors.IsAlreadyExists(err), nil
				})
				if err != nil {
					t.Errorf("create %s: %v", name, err)
					return
				}
				if done.Add(1) == int64(n/3) {
					go once.Do(disrupt)
				}
			}
		}()
	}
	wg.Wait()
}

// expectAll waits until a CREATE of every pool b-0..b-(n-1) arrived, counting by
// notificationId, and checks that duplicates are only redeliveries.
func expectAll(t *testing.T, r *receiver, n int) {
	t.Helper()
	eventually(t, 90*time.Second, fmt.Sprintf("CREATE of all %d pools", n), func() error {
		created := map[string]bool{}
		for _, m := range r.all() {
			if name := stateName(m.body); strings.HasPrefix(name, "b-") && eventType(m) == 0 {
				created[name] = true
			}
		}
		if len(created) < n {
			return errorf("%d of %d", len(created), n)
		}
		return nil
	})
	byID := map[string]string{}
	for _, m := range r.all() {
		id, _ := m.body["notificationId"].(string)
		if prev, ok := byID[id]; ok && prev != string(m.raw) {
			t.Errorf("notificationId %s reused for a different notification", id)
		}
		byID[id] = string(m.raw)
	}
}
