package redis

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionWatchFromDiscardedRevisionIsGone: a client listed at revision N of a
// history the store later discarded (failover to a replica that lacked N; other writers then
// made revisions N.. again). Even after this process noticed the rollback (its reset ran), a
// watch from N is accepted and continues in the new history: the client never learns of the
// new history's changes up to N nor that its own objects from the discarded ones are gone.
// It must be told to relist (410 Gone), as every watch open at the reset was.
func TestRegressionWatchFromDiscardedRevisionIsGone(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	a := env.newStore(t, withInstallPrefix("rebase-rollback"))
	b := env.newStore(t, withInstallPrefix("rebase-rollback"))
	var resets atomic.Int32
	a.OnReset(func() { resets.Add(1) })

	createPod(ctx, t, a, "ns", "kept")
	snapshot, err := redisserver.TakeSnapshot(ctx, env.client)
	if err != nil {
		t.Fatal(err)
	}
	createPod(ctx, t, a, "ns", "lost-1")
	createPod(ctx, t, a, "ns", "lost-2")
	// The client's list: kept, lost-1, lost-2 at this revision.
	list := &example.PodList{}
	if err := a.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: "0", Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	if err := snapshot.Restore(ctx, env.client); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"new-1", "new-2", "new-3"} {
		createPod(ctx, t, b, "ns", name)
	}
	// A notices (any revision read does).
	if _, err := a.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if resets.Load() != 1 {
		t.Fatalf("A's reset ran %d times, want 1", resets.Load())
	}
	w := watchFrom(ctx, t, a, list.ResourceVersion)
	ev := nextEvent(t, w)
	if status, ok := ev.Object.(*metav1.Status); ev.Type == watch.Error && ok && status.Code == http.StatusGone {
		return
	}
	var names []string
	names = append(names, describe(ev))
	for len(names) < 3 {
		select {
		case ev := <-w.ResultChan():
			names = append(names, describe(ev))
			continue
		case <-time.After(300 * time.Millisecond):
		}
		break
	}
	t.Fatalf("watch from revision %s of the discarded history (client holds kept, lost-1, lost-2) went on in the new one: %v; want 410 Gone",
		list.ResourceVersion, names)
}

func describe(ev watch.Event) string {
	if p, ok := ev.Object.(*example.Pod); ok {
		return fmt.Sprintf("%s %s@%s", ev.Type, p.Name, p.ResourceVersion)
	}
	return fmt.Sprintf("%s %T", ev.Type, ev.Object)
}

// TestRegressionWatchFromWipedRevisionIsGone: the wipe variant. A client listed at revision N
// before FLUSHALL; once the new store's counter passed N, a watch from N was accepted and went
// on in the new history. Now the reset rebases the store past N and marks it compacted.
func TestRegressionWatchFromWipedRevisionIsGone(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	a := env.newStore(t, withInstallPrefix("rebase-wipe"))
	b := env.newStore(t, withInstallPrefix("rebase-wipe"))
	createPod(ctx, t, a, "ns", "old-1")
	createPod(ctx, t, a, "ns", "old-2")
	list := &example.PodList{}
	if err := a.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: "0", Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// A notices the wipe at once (its next revision read), B only when it writes.
	if _, err := a.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		createPod(ctx, t, b, "ns", fmt.Sprintf("new-%d", i))
	}
	w := watchFrom(ctx, t, a, list.ResourceVersion)
	ev := nextEvent(t, w)
	if status, ok := ev.Object.(*metav1.Status); ev.Type == watch.Error && ok && status.Code == http.StatusGone {
		return
	}
	t.Fatalf("watch from revision %s of the wiped store (client holds old-1, old-2): %s, want 410 Gone", list.ResourceVersion, describe(ev))
}
