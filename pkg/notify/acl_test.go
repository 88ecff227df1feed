package notify

import (
	"context"
	"testing"
	"time"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestDocumentedACLSuffices runs every operation of the notifier's store as the least-privilege
// user docs/redis.md gives operators (the server's own store is run so in pkg/storage/redis): a
// command it sends that the document leaves out, or a key outside its prefix, fails the test.
func TestDocumentedACLSuffices(t *testing.T) {
	ctx := context.Background()
	limited := redisserver.Start(t).DocumentedACLClient(t)
	store := NewStore(limited, redisserver.DocumentedACLPrefix).WithQueueLimits(QueueLimits{Bytes: 1 << 20, Length: 2, NamespaceBytes: 1 << 20})
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s as the documented user: %v", what, err)
		}
	}
	_, err := store.Epoch(ctx)
	must("read the epoch", err)
	must("replace the epoch", store.NewEpoch(ctx))
	var queued []Queued
	for i, id := range []string{"n1", "n2", "n3"} {
		// Three into a queue of two: the commit evicts the oldest.
		queued, err = store.Commit(ctx, Change{Kind: "ResourcePool", Key: "ns/p", State: []byte(`{}`), Cursor: "1" + id,
			Items: []Item{{SubscriptionUID: "s", NotificationID: id, Body: []byte(`{"n":` + string(rune('1'+i)) + `}`), Observed: time.Now(), ShareBytes: 4}}})
		must("commit", err)
	}
	_, err = store.Commit(ctx, Change{Kind: "ResourcePool", Key: "ns/p", Forget: true})
	must("commit a forgotten state", err)
	must("set the cursor", store.SetCursor(ctx, "ResourcePool", "9"))
	_, _, err = store.Load(ctx, "ResourcePool")
	must("load the states", err)
	entries, err := store.Head(ctx, "s", "", 10)
	must("read a queue", err)
	if len(entries) == 0 {
		t.Fatal("the queue is empty")
	}
	_, err = store.Has(ctx, "s", queued[0].StreamID)
	must("look an entry up", err)
	must("acknowledge", store.Ack(ctx, map[string][]Acked{"s": {{StreamID: entries[0].StreamID, Size: len(entries[0].Body)}}}))
	_, err = store.QueueBytes(ctx, "s")
	must("read a queue's bytes", err)
	_, err = store.Depth(ctx, "s")
	must("read a queue's depth", err)
	owners, err := store.QueueOwners(ctx)
	must("list the queues", err)
	if len(owners) != 1 || owners[0] != "s" {
		t.Errorf("queue owners %v, want [s]", owners)
	}
	must("drop a queue", store.Drop(ctx, "s"))
	must("baseline", store.Baseline(ctx, "ResourcePool", map[string]any{"ns/p": `{}`}, "10"))
}
