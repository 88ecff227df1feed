package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/pkg/notify"
	"github.com/netweave-io/netweave/test/redisserver"
)

// notifierKeys matches every key of the notifier's durable state under the stack's prefix
// (pkg/notify.Store: queues, their byte counts, recorded states, cursors).
const notifierKeys = "{e2e:notify}*"

// queuedIDs returns the notification ids in the Redis queue of the subscription uid, as the
// notifier reads them.
func queuedIDs(t *testing.T, ctx context.Context, rdb *goredis.Client, uid string) []string {
	t.Helper()
	entries, err := notify.NewStore(rdb, "e2e").Head(ctx, uid, "", 10000)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.NotificationID)
	}
	return ids
}

// testNotifierDoubleFault: without --redis-min-replicas-ack (as here) the notifier's commits
// (queue, recorded state, cursor) are not WAITed, so a Redis failover can discard them while
// keeping the object writes they were made from. If the leader dies too before it delivered
// them, nothing in memory is left either. The next leader loads the cursor from before the
// discarded commits and watches from it: the kept writes come again, and each is notified
// under the id it had, so receivers that deduplicate by notificationId see every change once.
//
// The failover is emulated exactly where it matters: the notifier's keys go back to a
// snapshot taken before the writes, with the writes kept. That is stricter than any failover
// can be (a replica holds a prefix of the primary's writes, so it also holds the commits made
// before the last write it kept).
func testNotifierDoubleFault(t *testing.T, s *stack) {
	const ns, n = "notify-double", 100
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rdb := goredis.NewClient(&goredis.Options{Addr: s.redis.Addr()})
	defer rdb.Close()

	r := newReceiver(t)
	s.subscribe(t, ns, "double", r, "")
	flush(t, s, r, ns)
	sub, err := s.admin(t).O2imsV1alpha1().InventorySubscriptions(ns).Get(ctx, "double", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := redisserver.TakeSnapshotOf(ctx, rdb, notifierKeys)
	if err != nil {
		t.Fatal(err)
	}
	// What the queue held then (the flush's entry, delivered, perhaps not yet removed).
	base := queuedIDs(t, ctx, rdb, string(sub.UID))

	// The SMO is unreachable: the notifications stay queued, undelivered.
	r.fail.Store(true)
	burst(t, s, ns, n, func() {})
	var queued []string
	eventually(t, time.Minute, "every CREATE queued", func() error {
		if queued = queuedIDs(t, ctx, rdb, string(sub.UID)); len(queued) < n {
			return errorf("%d of %d queued", len(queued), n)
		}
		return nil
	})
	if err := s.netweave.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := before.Restore(ctx, rdb); err != nil {
		t.Fatal(err)
	}
	if got := queuedIDs(t, ctx, rdb, string(sub.UID)); strings.Join(got, ",") != strings.Join(base, ",") {
		t.Fatalf("queue after the emulated failover %v, want %v", got, base)
	}
	if err := s.netweave.Start(); err != nil {
		t.Fatal(err)
	}
	r.fail.Store(false)

	expectAll(t, r, n)
	delivered := map[string]int{}
	for _, m := range r.all() {
		delivered[m.id]++
	}
	missing := 0
	for _, id := range queued {
		if delivered[id] == 0 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of the %d notifications queued before the faults were delivered under other ids or not at all", missing, len(queued))
	}
	dup := 0
	for _, c := range delivered {
		if c > 1 {
			dup++
		}
	}
	t.Logf("double fault: %d CREATEs queued then discarded with the leader, all delivered again under their ids; %d ids delivered more than once", len(queued), dup)
}
