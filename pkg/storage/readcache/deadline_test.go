package readcache

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// freezeAfterRevision lets a revision fetch succeed, then freezes Redis (once, when armed):
// Redis stops answering between the cache's revision fetch and its progress request.
type freezeAfterRevision struct {
	storage.Interface
	armed  atomic.Bool
	freeze func()
	once   sync.Once
}

func (f *freezeAfterRevision) GetCurrentResourceVersion(ctx context.Context) (uint64, error) {
	rev, err := f.Interface.GetCurrentResourceVersion(ctx)
	if f.armed.Load() {
		f.once.Do(f.freeze)
	}
	return rev, err
}

func (f *freezeAfterRevision) Following() bool {
	fl, ok := f.Interface.(follower)
	return !ok || fl.Following()
}

// TestRegressionConsistentGetHonoursDeadlineWhenRedisStops: a consistent Get through the cache
// whose revision fetch succeeded, but which finds the cache behind (a write to another resource
// moved the shared revision), asks the store for a progress notification on the request's
// goroutine; the store runs it under its own context, ignoring the request's, so when Redis
// stops answering right then, the Get outlives its deadline by go-redis's read timeouts.
// Now the progress request is the request's (the Breaker's): the Get ends with the first
// attempt's read timeout, within the 9 s bound here, where it took 12 s and more.
func TestRegressionConsistentGetHonoursDeadlineWhenRedisStops(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	frozen := make(chan func(), 1)
	wrapped := &freezeAfterRevision{Interface: f.store}
	wrapped.freeze = func() { frozen <- env.server.Freeze() }
	c := env.newFixtureOver(t, wrapped)
	if err := c.Create(ctx, "/pods/ns/a", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a"}}, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	// A write elsewhere moves the revision the cache's watch of pods only learns by progress.
	if err := f.other.Create(ctx, "/other/ns/x", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x"}}, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	wrapped.armed.Store(true)

	reqCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- c.Get(reqCtx, "/pods/ns/a", storage.GetOptions{}, &example.Pod{}) }()
	select {
	case <-done:
	case <-time.After(9 * time.Second):
		select {
		case resume := <-frozen:
			resume()
		default:
		}
		<-done
		t.Fatalf("consistent Get with a 300ms deadline was still running %v after it started (Redis stopped answering after the revision fetch)",
			time.Since(start).Round(time.Millisecond))
	}
}
