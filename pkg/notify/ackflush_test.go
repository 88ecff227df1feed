package notify

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionDeliveredAtTheEndOfTheTermDeliveredAgain: on a clean stop (a rolling update),
// the acknowledgements of the notifications delivered in the term's last moments were still
// pending in the acker when the term's context ended; the acker returned without writing them,
// the entries stayed queued, and the next leader POSTed them again. What is pending when the
// term ends is now written once more, though the term's context is done.
func TestRegressionDeliveredAtTheEndOfTheTermDeliveredAgain(t *testing.T) {
	rs := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer rc.Close()
	store := NewStore(rc, "t")
	ctx, cancel := context.WithCancel(context.Background())
	const sub = "sub-uid"
	q, err := store.Commit(ctx, Change{Kind: "x", Items: []Item{
		{SubscriptionUID: sub, NotificationID: "n1", Body: []byte(`{"notificationId":"n1"}`), Observed: time.Now()},
		{SubscriptionUID: sub, NotificationID: "n2", Body: []byte(`{"notificationId":"n2"}`), Observed: time.Now()},
	}})
	if err != nil || len(q) != 2 {
		t.Fatalf("commit: %v %v", q, err)
	}
	entries, err := store.Head(ctx, sub, "", 10)
	if err != nil || len(entries) != 2 {
		t.Fatalf("head: %v %v", entries, err)
	}
	a := newAcker(store, storeRetry())
	// Both delivered as the term ends: the acker has not written them yet.
	a.add(sub, entries[0])
	a.add(sub, entries[1])
	cancel()
	a.run(ctx)
	a.flush(ctx)

	left, err := store.Head(context.Background(), sub, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("%d delivered notifications still queued after the term ended: the next leader delivers them again", len(left))
	}
	if bytes, err := store.QueueBytes(context.Background(), sub); err != nil || bytes != 0 {
		t.Errorf("queue bytes %d (%v), want 0", bytes, err)
	}
}
