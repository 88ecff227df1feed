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
)

func expectGone(t *testing.T, w watch.Interface) {
	t.Helper()
	ev := nextEvent(t, w)
	status, ok := ev.Object.(*metav1.Status)
	if ev.Type != watch.Error || !ok || status.Code != http.StatusGone {
		t.Fatalf("expected 410 Gone error event, got %v %#v", ev.Type, ev.Object)
	}
}

func watchFrom(ctx context.Context, t *testing.T, s *Store, rv string) watch.Interface {
	t.Helper()
	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: rv, Predicate: storage.Everything, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return w
}

// TestWipedStoreEndsWatches: after FLUSHALL a watch would otherwise wait for
// revisions the restarted counter reaches only much later; it ends with 410
// so the client relists, the reset handlers run, and a watch from the new
// baseline sees new writes.
func TestWipedStoreEndsWatches(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	var resets atomic.Int32
	s.OnReset(func() { resets.Add(1) })
	var last *example.Pod
	for _, name := range []string{"a", "b", "c"} {
		last = createPod(ctx, t, s, "ns", name)
	}
	w := watchFrom(ctx, t, s, last.ResourceVersion)

	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	expectGone(t, w)
	if resets.Load() != 1 {
		t.Fatalf("reset handlers ran %d times, want 1", resets.Load())
	}

	list := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 0 {
		t.Fatalf("wiped store lists %d pods", len(list.Items))
	}
	relisted := watchFrom(ctx, t, s, list.ResourceVersion)
	created := createPod(ctx, t, s, "ns", "after-wipe")
	ev := nextEvent(t, relisted)
	if pod, ok := ev.Object.(*example.Pod); ev.Type != watch.Added || !ok || pod.Name != created.Name {
		t.Fatalf("expected ADDED %s, got %v %#v", created.Name, ev.Type, ev.Object)
	}
	if resets.Load() != 1 {
		t.Fatalf("the new baseline was reset again: %d resets", resets.Load())
	}
}

// TestWriteNoticesWipeAtOnce: the first write after a wipe runs the reset
// handlers before it returns, so a cache can drop its stale copy before the
// writer reads back (read-your-writes across a wipe).
func TestWriteNoticesWipeAtOnce(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	var resets atomic.Int32
	s.OnReset(func() { resets.Add(1) })
	createPod(ctx, t, s, "ns", "before")
	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	createPod(ctx, t, s, "ns", "after")
	if resets.Load() != 1 {
		t.Fatalf("reset handlers ran %d times after the first write, want 1", resets.Load())
	}
}

// TestRolledBackStoreEndsWatches: a failover to a lagging replica keeps the
// epoch but answers a lower revision; that too ends watches with 410.
func TestRolledBackStoreEndsWatches(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	first := createPod(ctx, t, s, "ns", "a")
	last := createPod(ctx, t, s, "ns", "b")
	w := watchFrom(ctx, t, s, last.ResourceVersion)
	if err := env.client.Set(ctx, s.keys.rev, first.ResourceVersion, 0).Err(); err != nil {
		t.Fatal(err)
	}
	expectGone(t, w)
}
