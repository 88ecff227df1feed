package notify

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"

	"github.com/netweave-io/netweave/test/redisserver"
)

func TestQueueSharesSplitTheBudget(t *testing.T) {
	q := newQueueShares(1000)
	if got := q.bound("ns"); got != 1000 {
		t.Errorf("a namespace's first subscription: %d, want the whole budget", got)
	}
	for range 4 {
		q.join("ns")
	}
	q.join("other")
	if got := q.bound("ns"); got != 250 {
		t.Errorf("four subscriptions: %d each, want 250", got)
	}
	if got := q.bound("other"); got != 1000 {
		t.Errorf("another namespace's share: %d, want 1000 (its own)", got)
	}
	q.leave("ns")
	if got := q.bound("ns"); got != 333 {
		t.Errorf("three subscriptions: %d each, want 333", got)
	}
	for range 5 {
		q.leave("other")
	}
	if len(q.counts) != 1 {
		t.Errorf("counts %v: a namespace whose subscriptions all left is forgotten", q.counts)
	}
	if got := newQueueShares(0).bound("ns"); got != 0 {
		t.Errorf("no budget: %d, want 0 (no share bound)", got)
	}
	var none *queueShares
	none.join("ns")
	if got := none.bound("ns"); got != 0 {
		t.Errorf("nil shares: %d, want 0", got)
	}

	// In the shared subscription namespace each owner has a budget of its own.
	alice := &Subscription{Namespace: "o2ims-system", AllNamespaces: true, Subscriber: &user.DefaultInfo{Name: "alice"}}
	bob := &Subscription{Namespace: "o2ims-system", AllNamespaces: true, Subscriber: &user.DefaultInfo{Name: "bob"}}
	tenant := &Subscription{Namespace: "tenant-a", Subscriber: &user.DefaultInfo{Name: "alice"}}
	if shareKey(alice) == shareKey(bob) || shareKey(tenant) != "tenant-a" {
		t.Errorf("share keys %q %q %q", shareKey(alice), shareKey(bob), shareKey(tenant))
	}
}

// TestRegressionTenantQueuesFillSharedRedis: every subscription's queue was bounded on its own
// (--notifier-queue-bytes, 4 MiB), and a namespace may hold 1,000 subscriptions of each of
// four kinds: a tenant whose callbacks never answered, and that kept changing its own objects,
// could make the Redis every tenant writes to hold 16 GiB of its notifications, and every
// tenant's writes were refused once it was full. The queues of one namespace now share a budget
// (--notifier-namespace-queue-bytes): here four stuck subscriptions hold about the budget
// together, each at least its newest notification.
func TestRegressionTenantQueuesFillSharedRedis(t *testing.T) {
	ctx := context.Background()
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = rc.Close() })
	store := NewStore(rc, "t").WithQueueLimits(QueueLimits{Bytes: 4 << 20, Length: 10000, NamespaceBytes: 16 << 10})

	r := newReplayRig(t)
	r.n.delivery.shares = newQueueShares(16 << 10)
	r.n.commit = store.Commit
	uids := []string{"s1", "s2", "s3", "s4"}
	for _, uid := range uids {
		r.subscribe(t, uid, "", "0")
	}
	// Nothing is delivered: the workers never run, as behind callbacks that never answer.
	for rv := 1; rv <= 200; rv++ {
		r.change(t, rv, false)
	}
	var total, largest int64
	for _, uid := range uids {
		n, err := store.QueueBytes(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("%s: its queue holds nothing, want at least its newest notification", uid)
		}
		entries, err := store.Head(ctx, uid, "", 1)
		if err != nil || len(entries) != 1 {
			t.Fatalf("%s: head %v, %v", uid, entries, err)
		}
		total += n
		largest = max(largest, int64(len(entries[0].Body)))
	}
	if bound := int64(16<<10) + int64(len(uids))*largest; total > bound {
		t.Errorf("the namespace's four queues hold %d bytes together, want at most the budget and a notification each (%d)", total, bound)
	}
}

// TestQueueSharesFollowTheServedSubscriptions: a subscription counts in its namespace's share
// while it is served, from its sync to its deletion or the end of the leader term.
func TestQueueSharesFollowTheServedSubscriptions(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newSetFixture(t)
	f.delivery.shares = newQueueShares(1 << 20)
	stored := newStoredSubscriptions()
	for _, name := range []string{"a", "b"} {
		stored.put(unansweredSubscription("ns", name))
	}
	set := f.set(t, stored.kind("finding_shares"), authorizerfactory.NewAlwaysAllowAuthorizer())
	set.sync(ctx, "ns/a")
	set.sync(ctx, "ns/b")
	set.sync(ctx, "ns/b") // an update: counted once
	if got := f.delivery.shares.bound("ns"); got != 1<<19 {
		t.Errorf("two served subscriptions: a share of %d, want %d", got, 1<<19)
	}
	stored.remove("b")
	set.noteDeleted("ns/b", "uid-b")
	set.sync(ctx, "ns/b")
	if got := f.delivery.shares.bound("ns"); got != 1<<20 {
		t.Errorf("after a deletion: a share of %d, want the whole budget", got)
	}
	set.close()
	if len(f.delivery.shares.counts) != 0 {
		t.Errorf("after the term: counts %v, want none", f.delivery.shares.counts)
	}
}

// TestQueueShareKeepsTheNewest: a notification larger than its queue's share is still queued,
// alone (the share evicts the older ones); only one larger than a whole queue is refused.
func TestQueueShareKeepsTheNewest(t *testing.T) {
	ctx := context.Background()
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = rc.Close() })
	store := NewStore(rc, "t").WithQueueLimits(QueueLimits{Bytes: 4096})
	commit := func(id string, size int) Queued {
		t.Helper()
		q, err := store.Commit(ctx, Change{Kind: "x", Items: []Item{{SubscriptionUID: "s", NotificationID: id, Body: make([]byte, size), ShareBytes: 100}}})
		if err != nil {
			t.Fatal(err)
		}
		return q[0]
	}
	commit("n1", 60)
	if q := commit("n2", 60); q.StreamID == "" || q.Evicted != 1 {
		t.Errorf("past the share: %+v, want queued with the older one evicted", q)
	}
	if q := commit("n3", 500); q.StreamID == "" {
		t.Error("a notification larger than the share, smaller than a queue, was refused")
	}
	if n, _ := store.QueueBytes(ctx, "s"); n != 500 {
		t.Errorf("queue holds %d bytes, want the newest notification's 500 alone", n)
	}
	if q := commit("n4", 5000); q.StreamID != "" {
		t.Error("a notification larger than a whole queue was queued")
	}
}
