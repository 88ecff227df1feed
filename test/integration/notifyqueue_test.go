package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/pkg/notify"
	"github.com/netweave-io/netweave/test/redisserver"
)

// queueRig is the notifier's store on a real Redis, with bounded queues.
type queueRig struct {
	t      *testing.T
	srv    *redisserver.Server
	client *goredis.Client
	store  *notify.Store
	seq    int
}

func newQueueRig(t *testing.T, limits notify.QueueLimits) *queueRig {
	t.Helper()
	srv := redisserver.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	return &queueRig{t: t, srv: srv, client: client, store: notify.NewStore(client, "it").WithQueueLimits(limits)}
}

// item is a notification of size bytes for uid, with a fresh id.
func (r *queueRig) item(uid string, size int) notify.Item {
	r.seq++
	id := fmt.Sprintf("n%03d", r.seq)
	return notify.Item{SubscriptionUID: uid, NotificationID: id, Body: []byte(id + strings.Repeat(".", size-len(id))), Observed: time.Now()}
}

// commit commits one change of the given items and returns what became of them.
func (r *queueRig) commit(items ...notify.Item) []notify.Queued {
	r.t.Helper()
	q, err := r.store.Commit(context.Background(), notify.Change{Kind: "Resource", Key: "ns/x", State: []byte("{}"), Items: items})
	if err != nil {
		r.t.Fatal(err)
	}
	return q
}

// queue returns the notification ids queued for uid, oldest first.
func (r *queueRig) queue(uid string) []string {
	r.t.Helper()
	es, err := r.store.Head(context.Background(), uid, "", 1000)
	if err != nil {
		r.t.Fatal(err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.NotificationID
	}
	return out
}

func (r *queueRig) bytes(uid string) int64 {
	r.t.Helper()
	n, err := r.store.QueueBytes(context.Background(), uid)
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

func ids(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("n%03d", i))
	}
	return out
}

// TestNotifierQueueBytes: a queue bounded by bytes keeps every notification while under the
// bound; past it the script that appends drops the oldest, as few as make room, keeps the order
// of the rest and reports how many it dropped; its byte count follows appends and removals.
func TestNotifierQueueBytes(t *testing.T) {
	r := newQueueRig(t, notify.QueueLimits{Bytes: 1000})
	// Under (and at) the bound: untouched.
	for i := 1; i <= 10; i++ {
		if q := r.commit(r.item("a", 100)); q[0].Evicted != 0 || q[0].StreamID == "" {
			t.Fatalf("notification %d under the bound: %+v", i, q[0])
		}
	}
	if got := r.queue("a"); fmt.Sprint(got) != fmt.Sprint(ids(1, 10)) {
		t.Fatalf("queue under the bound %v", got)
	}
	if n := r.bytes("a"); n != 1000 {
		t.Fatalf("byte count %d, want 1000", n)
	}
	// One more: the oldest goes.
	if q := r.commit(r.item("a", 100)); q[0].Evicted != 1 {
		t.Fatalf("one over the bound evicted %d, want 1", q[0].Evicted)
	}
	// A larger one needs the room of three; and a change queueing two for the same queue
	// keeps them in order.
	q := r.commit(r.item("a", 250), r.item("a", 100))
	if q[0].Evicted != 3 || q[1].Evicted != 1 {
		t.Fatalf("evicted %d and %d, want 3 and 1", q[0].Evicted, q[1].Evicted)
	}
	want := ids(6, 13)
	if got := r.queue("a"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("queue after trimming %v, want %v", got, want)
	}
	if n := r.bytes("a"); n != 950 {
		t.Fatalf("byte count %d, want 950", n)
	}
	// Another subscription's queue is its own.
	r.commit(r.item("b", 100))
	if got := r.queue("b"); len(got) != 1 || r.bytes("b") != 100 {
		t.Fatalf("queue b %v, %d bytes", got, r.bytes("b"))
	}

	// Removals: delivered entries give their bytes back; an entry removed twice (an
	// acknowledgement repeated after a crash) or already evicted gives nothing.
	es, err := r.store.Head(context.Background(), "a", "", 2)
	if err != nil {
		t.Fatal(err)
	}
	acks := []notify.Acked{{StreamID: es[0].StreamID, Size: len(es[0].Body)}, {StreamID: es[1].StreamID, Size: len(es[1].Body)}}
	for range 2 {
		if err := r.store.Ack(context.Background(), map[string][]notify.Acked{"a": acks}); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.bytes("a"); n != 750 {
		t.Fatalf("byte count after two deliveries %d, want 750", n)
	}
	// The acknowledgement script survives a Redis that lost its scripts (restart, failover).
	if err := r.client.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	rest, err := r.store.Head(context.Background(), "a", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var all []notify.Acked
	for _, e := range rest {
		all = append(all, notify.Acked{StreamID: e.StreamID, Size: len(e.Body)})
	}
	if err := r.store.Ack(context.Background(), map[string][]notify.Acked{"a": all}); err != nil {
		t.Fatal(err)
	}
	if d, _ := r.store.Depth(context.Background(), "a"); d != 0 || r.bytes("a") != 0 {
		t.Fatalf("drained queue: depth %d, %d bytes", d, r.bytes("a"))
	}
	// The commit script too.
	if err := r.client.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	r.commit(r.item("a", 100))
	if n := r.bytes("a"); n != 100 {
		t.Fatalf("byte count %d, want 100", n)
	}
	// A deleted subscription's queue takes its count with it.
	if err := r.store.Drop(context.Background(), "b"); err != nil {
		t.Fatal(err)
	}
	if n, err := r.client.HExists(context.Background(), "{it:notify}:qbytes", "b").Result(); err != nil || n {
		t.Fatalf("byte count of a dropped queue still there (%v)", err)
	}
}

// TestNotifierQueueTooLarge: a notification larger than a whole queue is refused (no stream
// id), counted as nothing evicted, and leaves the queue as it was; the state and cursor of its
// change are committed all the same.
func TestNotifierQueueTooLarge(t *testing.T) {
	r := newQueueRig(t, notify.QueueLimits{Bytes: 1000})
	r.commit(r.item("a", 600))
	q, err := r.store.Commit(context.Background(), notify.Change{Kind: "Resource", Key: "ns/big", State: []byte(`{"big":true}`), Cursor: "42",
		Items: []notify.Item{r.item("a", 1001), r.item("a", 400)}})
	if err != nil {
		t.Fatal(err)
	}
	if q[0].StreamID != "" || q[0].Evicted != 0 {
		t.Fatalf("too large: %+v, want refused with nothing evicted", q[0])
	}
	if q[1].StreamID == "" || q[1].Evicted != 0 {
		t.Fatalf("the next one, which fits: %+v", q[1])
	}
	if got := r.queue("a"); fmt.Sprint(got) != "[n001 n003]" || r.bytes("a") != 1000 {
		t.Fatalf("queue %v of %d bytes, want [n001 n003] of 1000", got, r.bytes("a"))
	}
	states, cursor, err := r.store.Load(context.Background(), "Resource")
	if err != nil {
		t.Fatal(err)
	}
	if states["ns/big"] != `{"big":true}` || cursor != "42" {
		t.Fatalf("state %q, cursor %q", states["ns/big"], cursor)
	}
}

// TestNotifierQueueLength: the count bound trims the same way, and a queue written before
// the byte count existed (an upgrade) is still trimmed, its count healing as it drains.
func TestNotifierQueueLength(t *testing.T) {
	r := newQueueRig(t, notify.QueueLimits{Bytes: 1 << 20, Length: 3})
	ctx := context.Background()
	// Two entries from an older netweave: no byte count.
	for i := 1; i <= 2; i++ {
		it := r.item("a", 50)
		if err := r.client.XAdd(ctx, &goredis.XAddArgs{Stream: "{it:notify}:q:a", Values: []any{"n", it.NotificationID, "b", it.Body, "o", "0"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	var evicted int64
	for range 3 {
		evicted += r.commit(r.item("a", 50))[0].Evicted
	}
	if evicted != 2 {
		t.Fatalf("evicted %d, want 2", evicted)
	}
	if got := r.queue("a"); fmt.Sprint(got) != fmt.Sprint(ids(3, 5)) {
		t.Fatalf("queue %v", got)
	}
	if n := r.bytes("a"); n < 0 || n > 150 {
		t.Fatalf("byte count %d, want at most the 150 bytes queued", n)
	}
	// Unbounded store: nothing is trimmed.
	u := notify.NewStore(r.client, "it")
	for range 3 {
		it := r.item("a", 50)
		q, err := u.Commit(ctx, notify.Change{Kind: "Resource", Key: "ns/x", Items: []notify.Item{it}})
		if err != nil || q[0].Evicted != 0 {
			t.Fatalf("unbounded commit: %+v %v", q, err)
		}
	}
	if got := r.queue("a"); len(got) != 6 {
		t.Fatalf("unbounded queue holds %d, want 6", len(got))
	}
}

// TestNotifierQueueKeepsEachEntrysObject: a queued notification keeps the kind and namespace
// of the object it is about, read back with it, so that the worker can ask again before
// sending it whether the subscriber may still get that object; the byte bound counts bodies
// only, as before.
func TestNotifierQueueKeepsEachEntrysObject(t *testing.T) {
	r := newQueueRig(t, notify.QueueLimits{Bytes: 1000})
	it := r.item("a", 100)
	it.Kind, it.Namespace = "ResourcePool", "tenant-a"
	r.commit(it, r.item("a", 100))
	es, err := r.store.Head(context.Background(), "a", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Kind != "ResourcePool" || es[0].Namespace != "tenant-a" || es[1].Kind != "" || es[1].Namespace != "" {
		t.Fatalf("entries %+v, want the first about ResourcePool in tenant-a and the second about nothing recorded", es)
	}
	if got := r.bytes("a"); got != 200 {
		t.Errorf("queue of %d bytes, want 200 (bodies only)", got)
	}
}

// TestNotifierCommitQueuesOnce: a commit whose outcome the notifier could not tell (a reply
// lost with its connection, replicas that did not confirm it) is committed again; the second
// attempt finds its notification at the end of the queue and does not queue it twice.
func TestNotifierCommitQueuesOnce(t *testing.T) {
	r := newQueueRig(t, notify.QueueLimits{Bytes: 1000})
	it := r.item("a", 100)
	first := r.commit(it)
	again := r.commit(it)
	if again[0] != first[0] {
		t.Errorf("the same notification committed again: %+v, want the first attempt's %+v", again[0], first[0])
	}
	if got := r.queue("a"); fmt.Sprint(got) != "[n001]" {
		t.Errorf("queue %v, want [n001]", got)
	}
	if n := r.bytes("a"); n != 100 {
		t.Errorf("byte count %d, want 100", n)
	}
	r.commit(r.item("a", 100))
	if got := r.queue("a"); fmt.Sprint(got) != "[n001 n002]" {
		t.Errorf("queue %v, want [n001 n002]", got)
	}
}

// TestNotifierCommitWaitsForReplicas: the notifier's commits did not wait for
// replicas, unlike the object writes they follow (--redis-min-replicas-ack). A Sentinel
// failover could discard a commit the old primary had acknowledged; if the worker had by then
// stopped trusting its memory (the next commit fails during the failover, so it reads its
// queue again), the notification of a write the failover kept was never delivered, and the
// cursor in memory was past it. Now a commit that queues notifications fails until a replica
// confirms it, and is retried, queueing each notification once.
func TestNotifierCommitWaitsForReplicas(t *testing.T) {
	r := newQueueRig(t, notify.QueueLimits{})
	store := r.store.WithReplicasAck(notify.ReplicasAck{Replicas: 1, Timeout: 100 * time.Millisecond})
	ctx := context.Background()
	change := notify.Change{Kind: "Resource", Key: "ns/x", State: []byte("{}"), Cursor: "7", Items: []notify.Item{r.item("a", 100)}}
	for attempt := 1; attempt <= 2; attempt++ {
		if _, err := store.Commit(ctx, change); err == nil || !strings.Contains(err.Error(), "reached 0 of 1 replicas") {
			t.Fatalf("attempt %d without a replica: %v, want it refused for want of a replica", attempt, err)
		}
	}
	// The primary has it, once.
	es, err := store.Head(ctx, "a", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].NotificationID != "n001" {
		t.Fatalf("queue %+v after two unconfirmed attempts, want n001 once", es)
	}

	attachReplica(t, r.srv, r.client)
	q, err := store.Commit(ctx, change)
	if err != nil {
		t.Fatalf("commit with a replica: %v", err)
	}
	if q[0].StreamID != es[0].StreamID {
		t.Errorf("the confirmed attempt queued %s, want the entry already there, %s", q[0].StreamID, es[0].StreamID)
	}
	if _, err := store.Commit(ctx, notify.Change{Kind: "Resource", Key: "ns/x", State: []byte("{}"), Items: []notify.Item{r.item("a", 100)}}); err != nil {
		t.Fatalf("next commit with a replica: %v", err)
	}
	if got := r.queue("a"); fmt.Sprint(got) != "[n001 n002]" {
		t.Errorf("queue %v, want [n001 n002]", got)
	}
}

// BenchmarkNotifierCommit is the cost of one commit of a change that queues one 640-byte
// notification (a Resource's CREATE) to each of subs subscriptions, on a local redis-server.
func BenchmarkNotifierCommit(b *testing.B) {
	for _, subs := range []int{1, 10} {
		b.Run(fmt.Sprintf("subs=%d", subs), func(b *testing.B) {
			srv := redisserver.Start(b)
			client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
			b.Cleanup(func() { _ = client.Close() })
			store := notify.NewStore(client, "bench").WithQueueLimits(notify.QueueLimits{Bytes: 4 << 20, Length: 10000})
			body := []byte(strings.Repeat("x", 640))
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				items := make([]notify.Item, subs)
				for s := range items {
					items[s] = notify.Item{SubscriptionUID: fmt.Sprintf("sub-%d", s), NotificationID: fmt.Sprintf("n-%d", i), Body: body, Observed: time.Now()}
				}
				if _, err := store.Commit(ctx, notify.Change{Kind: "Resource", Key: fmt.Sprintf("ns/r-%d", i), State: body, Cursor: fmt.Sprint(i), Items: items}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
