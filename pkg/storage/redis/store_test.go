package redis

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// Implementation-specific behaviour that the upstream suite does not cover.

func createPod(ctx context.Context, t *testing.T, s *Store, ns, name string) *example.Pod {
	t.Helper()
	out := &example.Pod{}
	obj := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := s.Create(ctx, fmt.Sprintf("/pods/%s/%s", ns, name), obj, out, 0); err != nil {
		t.Fatalf("Create %s/%s: %v", ns, name, err)
	}
	return out
}

func nextEvent(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch closed unexpectedly")
		}
		return ev
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("timed out waiting for a watch event")
	}
	return watch.Event{}
}

func TestInstallPrefixIsolation(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	a, b := env.newStore(t), env.newStore(t)
	createPod(ctx, t, a, "ns", "only-in-a")

	list := &example.PodList{}
	if err := b.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 0 {
		t.Fatalf("store b sees %d objects of store a", len(list.Items))
	}
}

func TestHistoryTrimmingExpiresOldWatches(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t, withHistoryLength(5))
	first := createPod(ctx, t, s, "ns", "pod-0")
	for i := 1; i < 20; i++ {
		createPod(ctx, t, s, "ns", fmt.Sprintf("pod-%d", i))
	}
	if s.CompactRevision() <= 0 {
		// Only reads observe the compaction point; a list refreshes it.
		if err := s.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, &example.PodList{}); err != nil {
			t.Fatal(err)
		}
	}
	if s.CompactRevision() <= 0 {
		t.Fatalf("expected automatic trimming to record a compaction point")
	}

	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: first.ResourceVersion, Predicate: storage.Everything, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ev := nextEvent(t, w)
	status, ok := ev.Object.(*metav1.Status)
	if ev.Type != watch.Error || !ok || status.Code != http.StatusGone {
		t.Fatalf("expected 410 Gone error event, got %v %#v", ev.Type, ev.Object)
	}

	err = s.GetList(ctx, "/pods/", storage.ListOptions{
		ResourceVersion: first.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact,
		Predicate: storage.Everything, Recursive: true,
	}, &example.PodList{})
	if err == nil {
		t.Fatal("expected exact list at a trimmed revision to fail")
	}
}

// TestManyWatchersShareOneReader checks the fan-out: hundreds of watchers
// all see a write, served by the single stream reader.
func TestManyWatchersShareOneReader(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	start := createPod(ctx, t, s, "ns", "seed")

	const n = 300
	ws := make([]watch.Interface, n)
	for i := range ws {
		w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: start.ResourceVersion, Predicate: storage.Everything, Recursive: true})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		ws[i] = w
	}
	created := createPod(ctx, t, s, "ns", "fan-out")
	for i, w := range ws {
		ev := nextEvent(t, w)
		pod, ok := ev.Object.(*example.Pod)
		if ev.Type != watch.Added || !ok || pod.Name != "fan-out" || pod.ResourceVersion != created.ResourceVersion {
			t.Fatalf("watcher %d: unexpected event %v %#v", i, ev.Type, ev.Object)
		}
	}
}

// TestRedisDown checks that an outage surfaces as errors (never a panic or a
// hang), ends open watches with an error event, and that the store works
// again once Redis is back.
func TestRedisDown(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	seed := createPod(ctx, t, s, "ns", "before")

	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: seed.ResourceVersion, Predicate: storage.Everything, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	env.server.Stop()

	opCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.ReadinessCheck(); err == nil {
		t.Error("ReadinessCheck succeeded with Redis down")
	}
	if err := s.Get(opCtx, "/pods/ns/before", storage.GetOptions{}, &example.Pod{}); err == nil {
		t.Error("Get succeeded with Redis down")
	}
	if err := s.Create(opCtx, "/pods/ns/during", &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: "during", Namespace: "ns"}}, &example.Pod{}, 0); err == nil {
		t.Error("Create succeeded with Redis down")
	}
	if err := s.GetList(opCtx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, &example.PodList{}); err == nil {
		t.Error("GetList succeeded with Redis down")
	}
	// The open watch waits for Redis (TestWatchOutlivesRedisRestart); Redis comes back without
	// its data, so the watch ends with 410 and closes.
	env.server.Wipe()
	expectGone(t, w)
	select {
	case _, ok := <-w.ResultChan():
		if ok {
			t.Fatal("watch delivered more after its error event")
		}
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("watch not closed after its error event")
	}

	// The restarted server is empty, so the store starts over; what matters
	// is that it serves requests again.
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, wait.ForeverTestTimeout, true, func(ctx context.Context) (bool, error) {
		return s.ReadinessCheck() == nil, nil
	})
	if err != nil {
		t.Fatalf("store not ready after Redis restart: %v", err)
	}
	after := createPod(ctx, t, s, "ns", "after")
	w2, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: after.ResourceVersion, Predicate: storage.Everything, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Stop()
	createPod(ctx, t, s, "ns", "after-2")
	if ev := nextEvent(t, w2); ev.Type != watch.Added {
		t.Fatalf("expected ADDED after restart, got %v", ev.Type)
	}
}

// TestWatchListEndsWithAnnotatedBookmark pins the contract informers rely on.
func TestWatchListEndsWithAnnotatedBookmark(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	createPod(ctx, t, s, "ns", "a")
	createPod(ctx, t, s, "ns", "b")
	sendInitial := true
	pred := storage.Everything
	pred.AllowWatchBookmarks = true
	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{SendInitialEvents: &sendInitial, Predicate: pred, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for _, name := range []string{"a", "b"} {
		ev := nextEvent(t, w)
		if pod, ok := ev.Object.(*example.Pod); ev.Type != watch.Added || !ok || pod.Name != name {
			t.Fatalf("expected ADDED %s, got %v %#v", name, ev.Type, ev.Object)
		}
	}
	ev := nextEvent(t, w)
	pod, ok := ev.Object.(*example.Pod)
	if ev.Type != watch.Bookmark || !ok || pod.Annotations[metav1.InitialEventsAnnotationKey] != "true" {
		t.Fatalf("expected initial-events-end bookmark, got %v %#v", ev.Type, ev.Object)
	}
}
