package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/notify"
	"github.com/netweave-io/netweave/test/redisserver"
)

// upgradeFixture is the Redis data a previous netweave release left, key by key, as
// testdata/upgrade-c86e9a2.json holds it. It was written by the store and the notifier's store
// of commit c86e9a2 (pkg/storage/redis, pkg/notify, built from that commit) on a redis-server:
// ResourcePools p0..p4 created in namespace ns (revisions 2..6), p1 updated (7), p2 deleted
// (8); two notifier commits queueing old-n1, old-n2 (object ns/p0, cursor 3) and old-n3 (ns/p1,
// cursor 7) to subscription sub-a, and old-n1 acknowledged. Then every key was read back as it
// was (strings, hashes, sorted sets, streams with their entry ids and fields in order), so the
// test restores that release's bytes with plain commands on whatever redis-server runs it.
type upgradeFixture []struct {
	Key    string            `json:"key"`
	Type   string            `json:"type"`
	String string            `json:"string"`
	Hash   map[string]string `json:"hash"`
	ZSet   []string          `json:"zset"`
	Stream []struct {
		ID     string   `json:"id"`
		Fields []string `json:"fields"`
	} `json:"stream"`
	LastID string `json:"lastID"`
}

// restoreUpgradeFixture writes the previous release's keys to client and returns the notifier
// epoch it held.
func restoreUpgradeFixture(t *testing.T, ctx context.Context, client *goredis.Client) (notifierEpoch string) {
	t.Helper()
	raw, err := os.ReadFile("testdata/upgrade-c86e9a2.json")
	if err != nil {
		t.Fatal(err)
	}
	var keys upgradeFixture
	if err := json.Unmarshal(raw, &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		var err error
		switch k.Type {
		case "string":
			err = client.Set(ctx, k.Key, k.String, 0).Err()
			if strings.HasSuffix(k.Key, ":notify}:epoch") {
				notifierEpoch = k.String
			}
		case "hash":
			err = client.HSet(ctx, k.Key, k.Hash).Err()
		case "zset":
			// Every index member has score 0 (ordered by name, ZRANGEBYLEX).
			for _, m := range k.ZSet {
				if err = client.ZAdd(ctx, k.Key, goredis.Z{Member: m}).Err(); err != nil {
					break
				}
			}
		case "stream":
			for _, e := range k.Stream {
				args := []any{"XADD", k.Key, e.ID}
				for _, f := range e.Fields {
					args = append(args, f)
				}
				if err = client.Do(ctx, args...).Err(); err != nil {
					break
				}
			}
			if err == nil && k.LastID != "" {
				err = client.Do(ctx, "XSETID", k.Key, k.LastID).Err()
			}
		default:
			t.Fatalf("fixture key %s of type %s", k.Key, k.Type)
		}
		if err != nil {
			t.Fatalf("restore %s: %v", k.Key, err)
		}
	}
	return notifierEpoch
}

// TestRegressionUpgradeFromC86e9a2KeepsStoreAndQueues: an operator upgrades netweave over the
// Redis a previous release (c86e9a2) wrote. The current store must read every object as it was,
// continue its revisions (a watch from the first revision replays the old history, no 410),
// write past them, and never take the old data for a wiped or rolled-back store (which would
// make every watch relist and the notifier re-baseline and report lost subscriptions); the
// notifier's store must hand over the undelivered notifications the old leader queued, with
// their ids, kinds and namespaces (which the current worker needs to check visibility and
// related ids), queue once what the old leader queued already, count and evict old entries
// (which carry no "e" field, the count of what their commit evicted) like its own, and keep
// the notifier epoch (a new one would be taken for a rollback).
func TestRegressionUpgradeFromC86e9a2KeepsStoreAndQueues(t *testing.T) {
	srv := redisserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	notifierEpoch := restoreUpgradeFixture(t, ctx, client)

	store := newPoolStore(t, client)
	var resets atomic.Int32
	store.OnReset(func() { resets.Add(1) })

	list := func() (string, string) {
		t.Helper()
		l := &o2ims.ResourcePoolList{}
		if err := store.GetList(ctx, "/resourcepools/ns", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, l); err != nil {
			t.Fatal(err)
		}
		var items []string
		for _, p := range l.Items {
			items = append(items, fmt.Sprintf("%s@%s=%s", p.Name, p.ResourceVersion, p.Spec.Description))
		}
		sort.Strings(items)
		return l.ResourceVersion, strings.Join(items, " ")
	}
	if rv, items := list(); rv != "8" || items != "p0@2=by old p1@7=updated by old p3@5=by old p4@6=by old" {
		t.Fatalf("the previous release's pools read as %s at %s", items, rv)
	}
	got := &o2ims.ResourcePool{}
	if err := store.Get(ctx, "/resourcepools/ns/p1", storage.GetOptions{}, got); err != nil || got.ResourceVersion != "7" {
		t.Fatalf("get p1: %v, %+v", err, got.ObjectMeta)
	}

	// A client that listed from the old release resumes its watch on the new one.
	w, err := store.Watch(ctx, "/resourcepools/ns", storage.ListOptions{ResourceVersion: "1", Recursive: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	updated := &o2ims.ResourcePool{}
	err = store.GuaranteedUpdate(ctx, "/resourcepools/ns/p3", updated, true, nil,
		func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			p := in.(*o2ims.ResourcePool).DeepCopy()
			p.Spec.Description = "updated by new"
			return p, nil, nil
		}, nil)
	if err != nil || updated.ResourceVersion != "9" {
		t.Fatalf("update of an old object: %v, at %q, want revision 9", err, updated.ResourceVersion)
	}
	if err := store.Create(ctx, "/resourcepools/ns/q", pool("q"), &o2ims.ResourcePool{}, 0); err != nil {
		t.Fatal(err)
	}
	want := []string{"ADDED p0 2", "ADDED p1 3", "ADDED p2 4", "ADDED p3 5", "ADDED p4 6", "MODIFIED p1 7", "DELETED p2 8", "MODIFIED p3 9", "ADDED q 10"}
	var seen []string
	for len(seen) < len(want) {
		select {
		case ev := <-w.ResultChan():
			p, ok := ev.Object.(*o2ims.ResourcePool)
			if ev.Type == watch.Error || !ok {
				t.Fatalf("watch from the old release's first revision ended after %v: %s %+v", seen, ev.Type, ev.Object)
			}
			seen = append(seen, fmt.Sprintf("%s %s %s", ev.Type, p.Name, p.ResourceVersion))
		case <-ctx.Done():
			t.Fatalf("watch from the old release's first revision stopped at %v", seen)
		}
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("watch from the old release's first revision: %v, want %v", seen, want)
	}
	if n := resets.Load(); n != 0 {
		t.Fatalf("the previous release's store was taken for a wiped or rolled-back one (%d resets)", n)
	}

	// The notifier's store.
	ns := notify.NewStore(client, "netweave").WithQueueLimits(notify.QueueLimits{Bytes: 46})
	if ep, err := ns.Epoch(ctx); err != nil || ep != notifierEpoch {
		t.Fatalf("notifier epoch %q (%v), want the previous release's %q", ep, err, notifierEpoch)
	}
	states, cursor, err := ns.Load(ctx, "ResourcePool")
	if err != nil || cursor != "7" || len(states) != 2 {
		t.Fatalf("notifier state: %v, cursor %q, %d states", err, cursor, len(states))
	}
	head := func() []notify.Entry {
		t.Helper()
		es, err := ns.Head(ctx, "sub-a", "", 100)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	old := head()
	if len(old) != 2 || old[0].NotificationID != "old-n2" || old[1].NotificationID != "old-n3" ||
		old[0].Kind != "ResourcePool" || old[0].Namespace != "ns" || string(old[1].Body) != `{"id":"old-n3"}` || old[0].Observed.IsZero() {
		t.Fatalf("queue the previous release left: %+v", old)
	}
	if n, err := ns.QueueBytes(ctx, "sub-a"); err != nil || n != 30 {
		t.Fatalf("queue bytes %d (%v), want 30", n, err)
	}
	item := func(id string) notify.Item {
		return notify.Item{SubscriptionUID: "sub-a", NotificationID: id, Body: []byte(`{"id":"` + id + `"}`), Observed: time.Now(), Kind: "ResourcePool", Namespace: "ns"}
	}
	// The old leader's last commit sent again (its reply lost): not queued twice.
	q, err := ns.Commit(ctx, notify.Change{Kind: "ResourcePool", Key: "ns/p1", State: []byte(`{}`), Cursor: "7", Items: []notify.Item{item("old-n3")}})
	if err != nil || q[0].StreamID != old[1].StreamID || q[0].Evicted != 0 {
		t.Fatalf("old-n3 committed again: %+v, %v; want its entry %s", q, err, old[1].StreamID)
	}
	// 15 bytes more fit the 46-byte bound (45 queued); 16 more make room by evicting the oldest
	// undelivered entry, which the previous release queued.
	q, err = ns.Commit(ctx, notify.Change{Kind: "ResourcePool", Key: "ns/p3", State: []byte(`{}`), Cursor: "9", Items: []notify.Item{item("new-n4")}})
	if err != nil || q[0].StreamID == "" || q[0].Evicted != 0 {
		t.Fatalf("new-n4: %+v, %v", q, err)
	}
	q, err = ns.Commit(ctx, notify.Change{Kind: "ResourcePool", Key: "ns/q", State: []byte(`{}`), Cursor: "10", Items: []notify.Item{item("new-n05")}})
	if err != nil || q[0].Evicted != 1 {
		t.Fatalf("new-n05 past the bound: %+v, %v; want old-n2 evicted", q, err)
	}
	// The namespace's share (--notifier-namespace-queue-bytes, new since c86e9a2) bounds the
	// queue the previous release filled like any queue: past it the oldest go, counted.
	share := item("new-n6")
	share.ShareBytes = 31
	q, err = ns.Commit(ctx, notify.Change{Kind: "ResourcePool", Key: "ns/q", State: []byte(`{}`), Cursor: "10", Items: []notify.Item{share}})
	if err != nil || q[0].Evicted != 2 {
		t.Fatalf("new-n6 past its share: %+v, %v; want old-n3 and new-n4 evicted", q, err)
	}
	var ids []string
	var acks []notify.Acked
	for _, e := range head() {
		ids = append(ids, e.NotificationID)
		acks = append(acks, notify.Acked{StreamID: e.StreamID, Size: len(e.Body)})
	}
	if fmt.Sprint(ids) != "[new-n05 new-n6]" {
		t.Fatalf("queue after the upgrade: %v", ids)
	}
	if err := ns.Ack(ctx, map[string][]notify.Acked{"sub-a": acks}); err != nil {
		t.Fatal(err)
	}
	if n, err := ns.QueueBytes(ctx, "sub-a"); err != nil || n != 0 {
		t.Fatalf("queue bytes after delivering everything %d (%v), want 0", n, err)
	}
}
