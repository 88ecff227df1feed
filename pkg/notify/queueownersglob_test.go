package notify

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionQueueOwnersGlobInPrefix: QueueOwners listed the queues with SCAN MATCH built from
// the raw --redis-key-prefix, which may hold glob characters (only spaces, braces and a trailing
// "/" are refused). An install with prefix "net*" then took another install's queue (prefix
// "netweave", sharing the Redis) for one of its own, and a leader's dropOrphanQueues called Drop
// on it every term; an install with prefix "a[" matched none of its own queues, so queues of
// deleted subscriptions were never dropped.
func TestRegressionQueueOwnersGlobInPrefix(t *testing.T) {
	ctx := context.Background()
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rc.Close()

	other := NewStore(rc, "netweave")
	if err := rc.XAdd(ctx, &goredis.XAddArgs{Stream: other.queueKey("uid-other"), Values: []string{"b", "{}"}}).Err(); err != nil {
		t.Fatal(err)
	}
	owners, err := NewStore(rc, "net*").QueueOwners(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(owners) != 0 {
		t.Errorf("install %q lists queues %q of install %q sharing the Redis, want none", "net*", owners, "netweave")
	}

	bracket := NewStore(rc, "a[")
	if err := rc.XAdd(ctx, &goredis.XAddArgs{Stream: bracket.queueKey("uid-a"), Values: []string{"b", "{}"}}).Err(); err != nil {
		t.Fatal(err)
	}
	owners, err = bracket.QueueOwners(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(owners) != 1 || owners[0] != "uid-a" {
		t.Errorf("install %q lists queues %q, want [uid-a]", "a[", owners)
	}
}
