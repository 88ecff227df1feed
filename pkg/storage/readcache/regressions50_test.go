package readcache

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestRegressionReadRacingResetIsNotServedFromEmptiedCache: a read that found the cache fresh
// (waitFor) and then read it after a reset emptied it (the store went back, or the cache's
// watch failed) answered 404 for an object the store holds, or an empty list at the old
// revision. The reader is made to pass waitFor while the reset waits for the lock, so that the
// reset runs between the two (an RWMutex with a writer waiting blocks new readers).
func TestRegressionReadRacingResetIsNotServedFromEmptiedCache(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "kept"}}
	if err := f.cache.Create(ctx, "/pods/ns/kept", pod, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.cache.Get(ctx, "/pods/ns/kept", storage.GetOptions{ResourceVersion: ""}, &example.Pod{}); err != nil {
		t.Fatal(err)
	}

	race := func(read func() error) error {
		c := f.cache
		c.mu.Lock()
		done := make(chan error, 1)
		go func() { done <- read() }()
		// The reader blocks on c.mu in waitFor.
		time.Sleep(100 * time.Millisecond)
		c.mu.Unlock()
		// Unlock hands the read lock to the waiting reader; the reset's Lock waits for it to
		// leave waitFor and keeps its next read out until the cache is emptied.
		c.storeWentBack()
		return <-done
	}

	if err := race(func() error {
		return f.cache.Get(ctx, "/pods/ns/kept", storage.GetOptions{ResourceVersion: "0"}, &example.Pod{})
	}); err != nil {
		t.Fatalf("get racing a reset: %v", err)
	}
	// The cache relists once its watch ends; a fresh fixture for the list.
	f = env.newFixture(t)
	if err := f.cache.Create(ctx, "/pods/ns/kept", pod.DeepCopy(), &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.cache.Get(ctx, "/pods/ns/kept", storage.GetOptions{ResourceVersion: ""}, &example.Pod{}); err != nil {
		t.Fatal(err)
	}
	list := &example.PodList{}
	if err := race(func() error {
		return f.cache.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: "0", Predicate: storage.Everything, Recursive: true}, list)
	}); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Fatalf("list racing a reset: %d items at resourceVersion %s, want the stored pod", len(list.Items), list.ResourceVersion)
	}
}
