package notify

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionQueueDepthGaugeEndsWithTheTerm: netweave_notifier_queue_depth is the sum of the
// depths the workers last recorded (deliveryConfig.depth, shared by every term of the process).
// A subscription's depth is added when its worker starts and taken out when it is stopped, but
// the workers a leader term halts when it ends were never taken out: a pod that lost the lease
// kept exporting its last backlog for as long as it ran (NetweaveNotifierBacklog, max over the
// pods, fired on after the new leader had drained every queue), and one that led again counted
// every subscription twice.
func TestRegressionQueueDepthGaugeEndsWithTheTerm(t *testing.T) {
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rc.Close()
	store := NewStore(rc, "t")
	m, err := newMetrics(compbasemetrics.NewKubeRegistry())
	if err != nil {
		t.Fatal(err)
	}
	gauge := func() float64 {
		v, err := testutil.GetGaugeMetricValue(m.queueDepth)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// The callback is down: the queue stays as it is.
	const queued = 5
	for i := range queued {
		if _, err := store.Commit(context.Background(), Change{Kind: "replay", Key: "ns/s", Items: []Item{{SubscriptionUID: "uid-s",
			NotificationID: "n" + strconv.Itoa(i), Body: []byte(`{}`), Observed: time.Now()}}}); err != nil {
			t.Fatal(err)
		}
	}
	obj := &v1alpha1.InventorySubscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "s", UID: "uid-s", ResourceVersion: "10"},
		Spec:       v1alpha1.InventorySubscriptionSpec{Callback: "http://192.0.2.1/cb", Subscriber: &v1alpha1.SubscriberInfo{Username: "smo"}},
	}
	delivery := deliveryConfig{store: store, metrics: m, sender: hostileSender(t, time.Minute, nil), backoff: Backoff{Base: time.Hour, Max: time.Hour},
		depth: new(atomic.Int64), batch: 32, idlePoll: time.Hour, storeRetry: storeRetry(), acks: newAcker(store, storeRetry())}
	term := func() (context.CancelFunc, <-chan struct{}) {
		t.Helper()
		kind := &subscriptionKind{family: inventoryFamily, name: "InventorySubscription", queues: "finding_depth_" + obj.ResourceVersion,
			get:          func(string, string) (*subscriptionObject, error) { return inventorySubscription(obj), nil },
			updateStatus: func(context.Context, *subscriptionObject, v1alpha1.InventorySubscriptionStatus) error { return nil }}
		set := newSubscriptions(kind, "o2ims-system", delivery, newVisibility(authorizerfactory.NewAlwaysAllowAuthorizer(), nil), time.Second)
		ctx, cancel := context.WithCancel(context.Background())
		set.sync(ctx, "ns/s")
		// The status write records the depth the queue has.
		if err := set.writeStatus(ctx, "ns/s"); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			// As a leader term (Notifier.lead) ends a set.
			defer set.close()
			set.run(ctx)
		}()
		return cancel, done
	}

	stop, done := term()
	if g := gauge(); g != queued {
		t.Fatalf("queue depth while leading: %v, want %d", g, queued)
	}
	// The lease is lost: the term ends, its workers stop.
	stop()
	<-done
	if g := gauge(); g != 0 {
		t.Errorf("queue depth exported after the term ended: %v, want 0 (this pod no longer delivers anything)", g)
	}

	// The pod leads again; the subscription's status says what its queue held.
	obj = obj.DeepCopy()
	obj.ResourceVersion = "11"
	obj.Status.QueueDepth = queued
	stop, done = term()
	defer func() {
		stop()
		<-done
	}()
	if g := gauge(); g != queued {
		t.Errorf("queue depth in the second term: %v, want %d", g, queued)
	}
}
