package readcache

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// countingStorage counts the reads that reach the store.
type countingStorage struct {
	storage.Interface
	gets, lists, revs atomic.Int64
	// gate, when set, holds revision fetches until closed.
	gate chan struct{}
}

func (c *countingStorage) Get(ctx context.Context, key string, opts storage.GetOptions, out runtime.Object) error {
	c.gets.Add(1)
	return c.Interface.Get(ctx, key, opts, out)
}

func (c *countingStorage) GetList(ctx context.Context, key string, opts storage.ListOptions, out runtime.Object) error {
	c.lists.Add(1)
	return c.Interface.GetList(ctx, key, opts, out)
}

// Following passes on the store's word on whether its watch is behind (see follower).
func (c *countingStorage) Following() bool {
	f, ok := c.Interface.(follower)
	return !ok || f.Following()
}

func (c *countingStorage) GetCurrentResourceVersion(ctx context.Context) (uint64, error) {
	c.revs.Add(1)
	if c.gate != nil {
		<-c.gate
	}
	return c.Interface.GetCurrentResourceVersion(ctx)
}

// TestConsistentReadsAreServedFromMemoryAndCoalesced: after a write through
// the cache, a consistent read sees it without reading the object from the
// store, and many concurrent consistent reads share few revision fetches.
func TestConsistentReadsAreServedFromMemoryAndCoalesced(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	counting := &countingStorage{Interface: f.store}
	c, err := New(podConfig(counting))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()

	created := &example.Pod{}
	pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}}
	if err := c.Create(ctx, "/pods/ns/p", pod, created, 0); err != nil {
		t.Fatal(err)
	}
	counting.gets.Store(0)
	listsBefore := counting.lists.Load()

	got := &example.Pod{}
	if err := c.Get(ctx, "/pods/ns/p", storage.GetOptions{}, got); err != nil {
		t.Fatal(err)
	}
	if got.ResourceVersion != created.ResourceVersion {
		t.Fatalf("consistent read returned rv %s, want %s", got.ResourceVersion, created.ResourceVersion)
	}

	const readers = 100
	counting.revs.Store(0)
	// Hold the first fetch so every reader provably arrives while one is in
	// flight; they must then all share the next one.
	counting.gate = make(chan struct{})
	go func() {
		_, _ = c.revFetch.get(ctx)
	}()
	if err := wait.PollUntilContextTimeout(ctx, time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		return counting.revs.Load() == 1, nil
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for i := 0; i < readers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			list := &example.PodList{}
			if err := c.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, list); err != nil {
				errs <- err
				return
			}
			if len(list.Items) != 1 {
				errs <- fmt.Errorf("got %d items, want 1", len(list.Items))
			}
		}()
	}
	if err := wait.PollUntilContextTimeout(ctx, time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		return c.revFetch.pending() == readers, nil
	}); err != nil {
		t.Fatalf("readers did not all join the pending fetch: %v", err)
	}
	close(counting.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent consistent list: %v", err)
	}
	if n := counting.gets.Load(); n != 0 {
		t.Errorf("consistent Get reached the store %d times", n)
	}
	if n := counting.lists.Load() - listsBefore; n != 0 {
		t.Errorf("consistent lists reached the store %d times", n)
	}
	if n := counting.revs.Load(); n != 2 {
		t.Errorf("%d concurrent consistent reads cost %d revision fetches; want 2 (the held one and one shared)", readers, n)
	}
}
