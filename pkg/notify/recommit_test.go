package notify

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionUnconfirmedCommitOfSeveralItemsNotQueuedTwice: a commit whose outcome its
// sender cannot tell (replicas that did not confirm it within --redis-min-replicas-ack's
// timeout, or a lost reply) is committed again, and the store promised not to queue its items
// twice. It checked only whether an item was the last entry of its queue, so a commit with
// several items for one subscription (an alarm update that clears and acknowledges: CLEAR and
// ACKNOWLEDGE; a late subscription's replay of many changes) queued every item but the last
// again on each retry: the SMO received them again, out of order, and under a queue bound the
// copies evicted notifications not yet delivered.
func TestRegressionUnconfirmedCommitOfSeveralItemsNotQueuedTwice(t *testing.T) {
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = rc.Close() })
	// No replica: every attempt lands on the primary and then fails for want of one.
	store := NewStore(rc, "t").WithReplicasAck(ReplicasAck{Replicas: 1, Timeout: 10 * time.Millisecond})
	ctx := context.Background()
	item := func(uid, nid string) Item {
		return Item{SubscriptionUID: uid, NotificationID: nid, Body: []byte(`{"n":"` + nid + `"}`), Observed: time.Now(),
			Kind: "AlarmEventRecord", Namespace: "ns"}
	}
	change := Change{Kind: "AlarmEventRecord", Key: "ns/a", State: []byte("{}"), Cursor: "7",
		Items: []Item{item("s1", "clear"), item("s1", "ack"), item("s2", "clear2")}}
	for attempt := 1; attempt <= 3; attempt++ {
		if _, err := store.Commit(ctx, change); err == nil || !strings.Contains(err.Error(), "replicas") {
			t.Fatalf("attempt %d without a replica: %v, want it refused for want of a replica", attempt, err)
		}
	}
	for uid, want := range map[string]string{"s1": "[clear ack]", "s2": "[clear2]"} {
		es, err := store.Head(ctx, uid, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, e.NotificationID)
		}
		if fmt.Sprint(got) != want {
			t.Errorf("queue of %s after three unconfirmed attempts of one commit: %v, want %s", uid, got, want)
		}
	}
	if n, err := store.QueueBytes(ctx, "s1"); err != nil || n != int64(len(`{"n":"clear"}`)+len(`{"n":"ack"}`)) {
		t.Errorf("byte count of s1: %d %v, want the two bodies once", n, err)
	}
}
