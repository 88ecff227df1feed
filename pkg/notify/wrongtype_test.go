package notify

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionWrongTypedQueueDoesNotStallCommits: a subscription's queue key that holds something
// other than a stream (a hand edit, a key written by another program under the prefix) made the
// commit script fail at that queue's XLEN, after it had appended the change to the queues
// before it (a Lua script's writes are not undone by its error). The notifier retries a commit
// until it lands, every two seconds, forever: each retry appended the change once more to the
// other subscriptions' queues (duplicates, until the queue bound evicts real notifications as
// queue_full), and no change of any kind was committed again (the commit lock is held), logged
// at -v=2 only.
func TestRegressionWrongTypedQueueDoesNotStallCommits(t *testing.T) {
	ctx := context.Background()
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rc.Close()
	store := NewStore(rc, "t")
	if err := rc.Set(ctx, store.queueKey("uid-b"), "not a stream", 0).Err(); err != nil {
		t.Fatal(err)
	}
	change := Change{Kind: "ResourcePool", Key: "ns/p", State: []byte("{}"), Cursor: "8", Items: []Item{
		{SubscriptionUID: "uid-a", NotificationID: "n-a", Body: []byte(`{"a":1}`), Observed: time.Now()},
		{SubscriptionUID: "uid-b", NotificationID: "n-b", Body: []byte(`{"b":1}`), Observed: time.Now()},
	}}
	// What commitLocked does: the same change again after a failure.
	var err error
	for range 3 {
		if _, err = store.Commit(ctx, change); err == nil {
			break
		}
	}
	if err != nil {
		t.Errorf("commit with a queue that is not a stream: %v: retried forever, every change of every kind waits behind it", err)
	}
	if n, err := store.Depth(ctx, "uid-a"); err != nil || n != 1 {
		t.Errorf("the other subscription's queue holds %d entries (%v) after the retries, want the change once", n, err)
	}
	if n, err := store.Depth(ctx, "uid-b"); err != nil || n != 1 {
		t.Errorf("the subscription whose queue key was not a stream holds %d entries (%v), want the change", n, err)
	}
	if cur, err := rc.Get(ctx, store.cursorKey("ResourcePool")).Result(); err != nil || cur != "8" {
		t.Errorf("cursor %q (%v), want 8", cur, err)
	}
}
