package redis

import (
	"context"
	"strconv"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestWatchFromRevisionNotReachedIsTooLarge: a watch from a revision the
// store never reaches ends with "Too large resource version" (what a client
// holding a revision from before a wipe must see) instead of hanging.
func TestWatchFromRevisionNotReachedIsTooLarge(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	createPod(ctx, t, s, "ns", "seed")
	for _, sendInitial := range []*bool{nil, ptrTo(true)} {
		w, err := s.Watch(ctx, "/pods/", storage.ListOptions{
			ResourceVersion: "999999999", Predicate: storage.Everything, Recursive: true, SendInitialEvents: sendInitial,
		})
		if err != nil {
			t.Fatal(err)
		}
		ev := nextEvent(t, w)
		w.Stop()
		status, ok := ev.Object.(*metav1.Status)
		if ev.Type != watch.Error || !ok || !storage.IsTooLargeResourceVersion(apierrors.FromObject(status)) {
			t.Fatalf("sendInitialEvents=%v: expected a too-large-resource-version error, got %v %#v", sendInitial, ev.Type, ev.Object)
		}
	}
}

// TestWatchFromRevisionReachedSoonStarts: a watch from a revision the store
// reaches while the watch waits starts normally and delivers what follows.
func TestWatchFromRevisionReachedSoonStarts(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	seed := createPod(ctx, t, s, "ns", "seed")
	rv, err := strconv.ParseUint(seed.ResourceVersion, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{
		ResourceVersion: strconv.FormatUint(rv+1, 10), Predicate: storage.Everything, Recursive: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	createPod(ctx, t, s, "ns", "reaches-the-revision")
	after := createPod(ctx, t, s, "ns", "after-the-revision")
	ev := nextEvent(t, w)
	pod, ok := ev.Object.(*example.Pod)
	if ev.Type != watch.Added || !ok || pod.Name != after.Name {
		t.Fatalf("expected ADDED %s, got %v %#v", after.Name, ev.Type, ev.Object)
	}
}

func ptrTo[T any](v T) *T { return &v }
