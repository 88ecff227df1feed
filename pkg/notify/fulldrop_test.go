package notify

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionFullRedisKeepsDeletedSubscriptionsQueues: with Redis at its maxmemory, deleting
// a subscription did not drop its queue ("Could not drop the queue of a deleted subscription":
// OOM command not allowed), because the queue and its byte count were deleted in a MULTI/EXEC,
// every command of which a full Redis refuses. Deleting subscriptions, what an operator does to
// make room, freed nothing until the next restart swept the orphaned queues.
func TestRegressionFullRedisKeepsDeletedSubscriptionsQueues(t *testing.T) {
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rc.Close()
	store := NewStore(rc, "t")
	ctx := context.Background()
	if _, err := store.Commit(ctx, Change{Kind: "replay", Key: "ns/s", Items: []Item{{SubscriptionUID: "uid-s",
		NotificationID: "n1", Body: []byte(`{"a":1}`), Observed: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	if n, err := store.Depth(ctx, "uid-s"); err != nil || n != 1 {
		t.Fatalf("depth %d (%v), want 1", n, err)
	}
	if err := rc.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.ConfigSet(context.Background(), "maxmemory", "0").Err() })
	if err := rc.Set(ctx, "probe", "x", 0).Err(); err == nil {
		t.Fatal("Redis took a write at maxmemory 1: the test does not reproduce a full Redis")
	}
	if err := store.Drop(ctx, "uid-s"); err != nil {
		t.Fatalf("drop the queue of a deleted subscription while Redis is full: %v", err)
	}
	if n, err := store.Depth(ctx, "uid-s"); err != nil || n != 0 {
		t.Errorf("depth %d (%v) after the drop, want 0", n, err)
	}
	if ok, err := rc.HExists(ctx, store.bytesKey(), "uid-s").Result(); err != nil || ok {
		t.Errorf("the queue's byte count is still recorded (%v, %v)", ok, err)
	}
}
