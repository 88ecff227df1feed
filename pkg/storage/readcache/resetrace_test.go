package readcache

import (
	"context"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestRegressionReadRacingAResetIsNotServedStale: the guard switches to the new baseline under
// its lock, then runs the reset handlers (the cache's storeWentBack) after unlocking. A
// consistent read whose revision fetch lands in between finds no reset to run (its operation
// did not notice anything: the baseline is already the new store's), gets the new store's
// (low) revision, and is answered from the cache, which still holds the wiped objects at a
// higher revision. A first reset handler that takes a moment (another OnReset user, e.g. a
// delivery cursor) widens the window that otherwise lasts until storeWentBack takes c.mu.
// Now a store revision below the cache's is taken for what it is, a store that went back, and
// the store answers.
func TestRegressionReadRacingAResetIsNotServedStale(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	// Registered before the cache's own handler.
	f.store.OnReset(func() {
		once.Do(func() {
			close(entered)
			<-release
		})
	})
	c := env.newFixtureOver(t, f.store)
	for _, name := range []string{"a", "b", "c"} {
		if err := c.Create(ctx, "/pods/ns/"+name, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}, &example.Pod{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	// The cache has seen every create.
	list := &example.PodList{}
	if err := c.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, list); err != nil || len(list.Items) != 3 {
		t.Fatalf("before the wipe: %v, %d items", err, len(list.Items))
	}
	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	noticed := make(chan error, 1)
	go func() {
		_, err := f.store.GetCurrentResourceVersion(ctx)
		noticed <- err
	}()
	select {
	case <-entered:
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("the wipe was not noticed")
	}
	got := &example.PodList{}
	err := c.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, got)
	close(release)
	<-noticed
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 0 {
		var names []string
		for _, p := range got.Items {
			names = append(names, p.Name)
		}
		t.Fatalf("consistent list after the wipe (revision %s) served %v from the cache: objects that no longer exist", got.ResourceVersion, names)
	}
}
