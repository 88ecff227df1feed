package readcache

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
)

func nextEvent(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("shared watch closed")
		}
		return ev
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("no event from the shared watch")
	}
	return watch.Event{}
}

// A shared watch starts with the cached state and the bookmark that ends the initial events,
// then delivers each change with the very object the cache holds (no copy), and ends with 410
// Gone when the store is wiped, so its reader lists again.
func TestSharedWatch(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("p%d", i)
		if err := f.cache.Create(ctx, "/pods/ns/"+name, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}, &example.Pod{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	w, err := f.cache.WatchShared(ctx, "", true)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for i := 0; i < 3; i++ {
		ev := nextEvent(t, w)
		if ev.Type != watch.Added || ev.Object.(*example.Pod).Name != fmt.Sprintf("p%d", i) {
			t.Fatalf("initial event %d: %s %v", i, ev.Type, ev.Object)
		}
	}
	end := nextEvent(t, w)
	if end.Type != watch.Bookmark || end.Object.(*example.Pod).Annotations[metav1.InitialEventsAnnotationKey] != "true" {
		t.Fatalf("after the initial events: %s %v, want the initial-events-end bookmark", end.Type, end.Object)
	}

	if err := f.cache.Create(ctx, "/pods/ns/later", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "later"}}, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, w)
	if ev.Type != watch.Added || ev.Object.(*example.Pod).Name != "later" {
		t.Fatalf("live event: %s %v", ev.Type, ev.Object)
	}
	objs, _, err := f.cache.ListShared(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	shared := false
	for _, obj := range objs {
		shared = shared || obj == ev.Object
	}
	if !shared {
		t.Error("the watch delivered a copy, not the cached object")
	}

	// Continuing from an older revision needs history the cache does not keep.
	if _, err := f.cache.WatchShared(ctx, end.Object.(*example.Pod).ResourceVersion, false); !apierrors.IsResourceExpired(err) {
		t.Errorf("watch from a revision before the cache's: %v, want 410 Gone", err)
	}

	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// Any write notices the wipe.
	if err := f.cache.Create(ctx, "/pods/ns/after", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "after"}}, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	for {
		ev := nextEvent(t, w)
		if ev.Type == watch.Error {
			if err := apierrors.FromObject(ev.Object); !apierrors.IsResourceExpired(err) {
				t.Fatalf("watch ended with %v, want 410 Gone", err)
			}
			break
		}
	}
	select {
	case _, ok := <-w.ResultChan():
		if ok {
			t.Fatal("event after the 410")
		}
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("shared watch not closed after the 410")
	}
}
