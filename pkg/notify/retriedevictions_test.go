package notify

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionRetriedCommitReportsItsEvictions: a commit whose replicas did not confirm it in
// time (--redis-min-replicas-ack) landed all the same, evicting the oldest entries of a full
// queue; its retry found the item queued already and reported no eviction: the notifications
// the bound dropped were counted nowhere (metric, status.dropped).
func TestRegressionRetriedCommitReportsItsEvictions(t *testing.T) {
	ctx := context.Background()
	rs := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer rc.Close()
	store := NewStore(rc, "t").WithQueueLimits(QueueLimits{Length: 1})
	item := func(id string) Change {
		return Change{Kind: "x", Items: []Item{{SubscriptionUID: "s", NotificationID: id, Body: []byte(`{}`), Observed: time.Now()}}}
	}
	if _, err := store.Commit(ctx, item("a")); err != nil {
		t.Fatal(err)
	}
	// No replica: the WAIT is not confirmed, the commit landed.
	if _, err := store.WithReplicasAck(ReplicasAck{Replicas: 1, Timeout: 10 * time.Millisecond}).Commit(ctx, item("b")); err == nil {
		t.Fatal("commit confirmed without a replica")
	}
	q, err := store.Commit(ctx, item("b"))
	if err != nil {
		t.Fatal(err)
	}
	if q[0].Evicted != 1 {
		t.Errorf("the retried commit reports %d evicted, want 1 (a was dropped by its first attempt)", q[0].Evicted)
	}
}
