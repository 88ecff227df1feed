package notify

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/client-go/tools/cache"
	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionDeletionAfterRollbackNotReportedLost: after a rollback (a failover to a replica
// that lacked the last writes) the store's epoch changes, but the subscriptions the replica had
// are still there: their informer relists them unchanged, so nothing about their workers
// changes. Days later an owner deletes one, and the store tells it (a watch DELETE, which a
// wipe or rollback never sends). That deletion was reported as a loss with the store: an error
// log, netweave_notifier_subscriptions_lost_total (which is alerted on), and the subscription
// remembered as lost, so that the owner's next subscription of that name replayed the whole
// history (changes from before its creation, already sent to the deleted one under other
// notificationIds). A subscription that vanishes through a relist (a tombstone) after the
// store went back is still reported.
func TestRegressionDeletionAfterRollbackNotReportedLost(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, err := newMetrics(compbasemetrics.NewKubeRegistry())
	if err != nil {
		t.Fatal(err)
	}
	stored := newStoredSubscriptions()
	mk := func(name, uid, rv string) *v1alpha1.InventorySubscription {
		o := &v1alpha1.InventorySubscription{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("uid-" + uid), ResourceVersion: rv},
			Spec:       v1alpha1.InventorySubscriptionSpec{Callback: "https://smo.example.com/cb", Subscriber: &v1alpha1.SubscriberInfo{Username: "smo"}},
		}
		stored.put(o)
		return o
	}
	kind := stored.kind("finding_lost")
	gen := uint64(0)
	set := newSubscriptions(kind, "o2ims-system", *deliveryRig(t, hostileSender(t, time.Minute, nil), Backoff{Base: time.Hour, Max: time.Hour}),
		newVisibility(authorizerfactory.NewAlwaysAllowAuthorizer(), nil), time.Second)
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rc.Close()
	set.delivery.store, set.delivery.idlePoll, set.delivery.batch, set.delivery.storeRetry = NewStore(rc, "t"), time.Hour, 32, storeRetry()
	defer set.syncs.ShutDown()
	defer set.statuses.ShutDown()
	set.lost = &lostReporter{epoch: func(context.Context) (uint64, error) { return gen, nil }, metrics: m, kind: "InventorySubscription"}
	var replayFrom []string
	set.admit = func(_ context.Context, _ *worker, rv string, insert func()) {
		replayFrom = append(replayFrom, rv)
		insert()
	}
	stopAll := func() {
		ws, _ := set.snapshot()
		for _, w := range ws {
			set.stop(w.sub.Load().Key(), w)
		}
	}
	defer stopAll()
	h := set.handler()
	process := func() {
		t.Helper()
		for set.syncs.Len() > 0 {
			set.processSync(ctx)
		}
	}

	kept := mk("kept", "1", "10")
	taken := mk("taken", "2", "11")
	h.OnAdd(kept, false)
	h.OnAdd(taken, false)
	process()

	// The store goes back. "taken" is not on the replica; "kept" is, as it was.
	gen++
	stored.remove("taken")
	h.OnUpdate(kept, kept.DeepCopy())
	h.OnDelete(cache.DeletedFinalStateUnknown{Key: "ns/taken", Obj: taken})
	process()

	lost := func() float64 {
		v, err := testutil.GetCounterMetricValue(m.subscriptionsLost.WithLabelValues("InventorySubscription"))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if n := lost(); n != 1 {
		t.Fatalf("subscriptions reported lost after the rollback: %v, want 1 (the one missing from the replica)", n)
	}

	// Later its owner deletes "kept", which the store tells.
	stored.remove("kept")
	h.OnDelete(kept)
	process()
	if n := lost(); n != 1 {
		t.Errorf("subscriptions reported lost after an owner deleted one: %v, want still 1", n)
	}

	// And creates it again: a new subscription, which replays from its own creation.
	again := mk("kept", "3", "90")
	h.OnAdd(again, false)
	process()
	if got := replayFrom[len(replayFrom)-1]; got != "90" {
		t.Errorf("an owner's new subscription (after deleting the old one) replays from %q, want its creation 90", got)
	}
}
