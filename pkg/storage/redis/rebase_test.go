package redis

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
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

// createPodsUntil creates pods named prefix-N through s until the store's revision is at least
// rev - 1, so that the next write makes rev (or, past it already, a later one).
func createPodsUntil(ctx context.Context, t *testing.T, s *Store, prefix string, rev int64) {
	t.Helper()
	for i := 0; ; i++ {
		cur, err := s.GetCurrentResourceVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if int64(cur) >= rev-1 {
			return
		}
		createPod(ctx, t, s, "ns", fmt.Sprintf("%s-%d", prefix, i))
	}
}

// TestRegressionListedRevisionOfAWipedStoreIsGone: another replica (A) wrote up to revision
// 100 and a client listed through this one (B) at 100, but B's guard never saw 100: a list
// handed out the counter it read without showing it to the guard, which had last seen
// revision 1. After FLUSHALL B's reset rebased the store past 1 only, the new history made
// revisions 3..100 again, and a watch from 90 or a list at 95 of the wiped history was served
// from the new one. The list's revision must count as seen: B rebases past 100 and answers 410.
func TestRegressionListedRevisionOfAWipedStoreIsGone(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	a := env.newStore(t, withInstallPrefix("listed-wipe"))
	b := env.newStore(t, withInstallPrefix("listed-wipe"))
	if _, err := b.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
	createPodsUntil(ctx, t, a, "old", 101)
	list := &example.PodList{}
	if err := b.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	if list.ResourceVersion != "100" {
		t.Fatalf("listed at %s, want 100", list.ResourceVersion)
	}
	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// B notices at its next write; a replica that never saw the old history writes on.
	createPod(ctx, t, b, "ns", "after")
	c := env.newStore(t, withInstallPrefix("listed-wipe"))
	createPodsUntil(ctx, t, c, "new", 101)

	w := watchFrom(ctx, t, b, "90")
	if ev := nextEvent(t, w); !isGone(ev) {
		t.Errorf("watch from revision 90 of the wiped history: %s, want 410 Gone", describe(ev))
	}
	old := &example.PodList{}
	err := b.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: "95", ResourceVersionMatch: metav1.ResourceVersionMatchExact,
		Predicate: storage.Everything, Recursive: true}, old)
	if !apierrors.IsResourceExpired(err) {
		t.Errorf("list at revision 95 of the wiped history: %d pods, err %v; want 410 Gone", len(old.Items), err)
	}
}

// TestRegressionGotCopyOfAWipedStoreDoesNotOverwrite: the Get variant. B read an object at
// revision 10 (written by A) without its guard seeing 10; after FLUSHALL B's reset rebased past
// the revision its guard had seen (1), and the new history re-created the object at revision
// 10. An update from B's copy (a cache's) was then trusted, matched the new object's revision
// and overwrote it with the wiped one.
func TestRegressionGotCopyOfAWipedStoreDoesNotOverwrite(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	a := env.newStore(t, withInstallPrefix("got-wipe"))
	b := env.newStore(t, withInstallPrefix("got-wipe"))
	if _, err := b.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
	const key = "/pods/ns/victim"
	createPodsUntil(ctx, t, a, "old", 10)
	if err := a.Create(ctx, key, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "victim"}, Spec: example.PodSpec{NodeName: "old"}}, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	got := &example.Pod{}
	if err := b.Get(ctx, key, storage.GetOptions{}, got); err != nil {
		t.Fatal(err)
	}
	if got.ResourceVersion != "10" {
		t.Fatalf("victim at %s, want 10", got.ResourceVersion)
	}
	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	createPod(ctx, t, b, "ns", "after")
	c := env.newStore(t, withInstallPrefix("got-wipe"))
	createPodsUntil(ctx, t, c, "new", 10)
	if err := c.Create(ctx, key, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "victim"}, Spec: example.PodSpec{NodeName: "new"}}, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}

	out := &example.Pod{}
	err := b.GuaranteedUpdate(ctx, key, out, false, nil, func(input runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
		pod := input.(*example.Pod).DeepCopy()
		pod.Labels = map[string]string{"updated": "true"}
		return pod, nil, nil
	}, got.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	if out.Spec.NodeName != "new" {
		t.Fatalf("update from a copy of the wiped store wrote node %q over the re-created object, want %q", out.Spec.NodeName, "new")
	}
}

func isGone(ev watch.Event) bool {
	status, ok := ev.Object.(*metav1.Status)
	return ev.Type == watch.Error && ok && status.Code == http.StatusGone
}
