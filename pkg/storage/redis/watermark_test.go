package redis

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionRollbackBeforeProcessStartGoesUnnoticed: the store rolls back (a failover to a
// lagging replica) while no process that saw the discarded revisions runs (every replica
// restarted with it). The processes that start have seen nothing to compare with, and the
// counter, epoch and fingerprints in Redis went back with the data; once new writes pass a
// client's revision from the discarded history, its watch from that revision was accepted and
// went on in the new history. A process seeded with the watermark the old one recorded must
// notice, rebase past it and answer that watch 410 Gone.
func TestRegressionRollbackBeforeProcessStartGoesUnnoticed(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	const prefix = "watermark-rollback"
	old := env.newStore(t, withInstallPrefix(prefix))
	createPod(ctx, t, old, "ns", "kept")
	snapshot, err := redisserver.TakeSnapshot(ctx, env.client)
	if err != nil {
		t.Fatal(err)
	}
	createPod(ctx, t, old, "ns", "lost-1")
	createPod(ctx, t, old, "ns", "lost-2")
	list := &example.PodList{}
	if err := old.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: "0", Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	mark, err := old.Watermark(ctx, Watermark{})
	if err != nil {
		t.Fatal(err)
	}
	if mark.Revision < 3 || mark.Epoch == "" || mark.ID == "" {
		t.Fatalf("watermark after three writes = %+v, want the third write's revision with its epoch and fingerprint", mark)
	}
	old.Close()

	if err := snapshot.Restore(ctx, env.client); err != nil {
		t.Fatal(err)
	}
	// A replica that started unseeded writes past the client's revision.
	writer := env.newStore(t, withInstallPrefix(prefix))
	for _, name := range []string{"new-1", "new-2", "new-3"} {
		createPod(ctx, t, writer, "ns", name)
	}

	started := env.newStore(t, withInstallPrefix(prefix))
	started.Seed(mark)
	var resets atomic.Int32
	started.OnReset(func() { resets.Add(1) })
	// The server's read cache lists first, as every revision read it looks at the store.
	if _, err := started.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if resets.Load() != 1 {
		t.Fatalf("the seeded process's reset ran %d times, want 1", resets.Load())
	}
	w := watchFrom(ctx, t, started, list.ResourceVersion)
	ev := nextEvent(t, w)
	if status, ok := ev.Object.(*metav1.Status); ev.Type != watch.Error || !ok || status.Code != http.StatusGone {
		t.Fatalf("watch from revision %s of the discarded history: first event %s, want 410 Gone", list.ResourceVersion, describe(ev))
	}
	// The rebase gave the store a new epoch: the unseeded writer notices at its next look.
	if _, err := writer.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := started.Watermark(ctx, Watermark{}); got.Epoch == mark.Epoch || got.Revision <= mark.Revision {
		t.Fatalf("watermark after the rebase = %+v, want a new epoch past revision %d", got, mark.Revision)
	}
}

// TestSeedOfAStoreThatStayedResetsNothing: a process started with the watermark of a store that
// did not go back (a rolling restart) must not reset: nothing relists for it.
func TestSeedOfAStoreThatStayedResetsNothing(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	const prefix = "watermark-stayed"
	old := env.newStore(t, withInstallPrefix(prefix))
	createPod(ctx, t, old, "ns", "a")
	createPod(ctx, t, old, "ns", "b")
	mark, err := old.Watermark(ctx, Watermark{})
	if err != nil {
		t.Fatal(err)
	}
	createPod(ctx, t, old, "ns", "c")

	started := env.newStore(t, withInstallPrefix(prefix))
	started.Seed(mark)
	var resets atomic.Int32
	started.OnReset(func() { resets.Add(1) })
	rv, err := started.GetCurrentResourceVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	createPod(ctx, t, started, "ns", "d")
	if resets.Load() != 0 {
		t.Fatalf("a store that stayed was reset %d times after a seed", resets.Load())
	}
	if got, err := started.Watermark(ctx, Watermark{}); err != nil || got.Epoch != mark.Epoch || got.Revision <= int64(rv) {
		t.Fatalf("watermark = %+v (%v), want epoch %s past %d", got, err, mark.Epoch, rv)
	}
}

// TestRegressionRollbackUnderAReplicaThatSawLess: replica A saw revisions that replica B never
// read, recorded them, and died with the Redis primary; the store came back from before them
// and B's own look could not tell (what B saw was kept, and new writes passed A's revisions).
// Clients of A then moved to B with revisions of the discarded history. B checks the store
// against the recorded watermark as well, and must notice.
func TestRegressionRollbackUnderAReplicaThatSawLess(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	const prefix = "watermark-saw-less"
	a := env.newStore(t, withInstallPrefix(prefix))
	b := env.newStore(t, withInstallPrefix(prefix))
	createPod(ctx, t, a, "ns", "kept")
	if _, err := b.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
	var resets atomic.Int32
	b.OnReset(func() { resets.Add(1) })
	snapshot, err := redisserver.TakeSnapshot(ctx, env.client)
	if err != nil {
		t.Fatal(err)
	}
	createPod(ctx, t, a, "ns", "lost-1")
	createPod(ctx, t, a, "ns", "lost-2")
	markA, err := a.Watermark(ctx, Watermark{})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if err := snapshot.Restore(ctx, env.client); err != nil {
		t.Fatal(err)
	}
	writer := env.newStore(t, withInstallPrefix(prefix))
	for _, name := range []string{"new-1", "new-2", "new-3"} {
		createPod(ctx, t, writer, "ns", name)
	}
	if _, err := b.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if resets.Load() != 0 {
		t.Fatalf("B noticed by itself (%d resets): the test no longer reproduces the gap", resets.Load())
	}
	got, err := b.Watermark(ctx, markA)
	if err != nil {
		t.Fatal(err)
	}
	if resets.Load() != 1 {
		t.Fatalf("B checked against A's watermark %+v reset %d times, want 1", markA, resets.Load())
	}
	if got.Epoch == markA.Epoch || got.Revision <= markA.Revision {
		t.Fatalf("B's watermark after the rebase = %+v, want a new epoch past revision %d", got, markA.Revision)
	}
}
