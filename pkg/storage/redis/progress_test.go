package redis

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage"
)

// TestRegressionRequestWatchProgressHonoursContext: RequestWatchProgress ignored its context and
// ran the progress read synchronously under the store's own (Background, breaker-exempt)
// context. The read cache calls it on the request path of every consistent read that finds
// the cache behind (readcache.waitFor), so against a Redis that stops answering such a read
// blocked for go-redis's read timeouts and retries, far past the request's deadline.
// Now it reads under the request's context, so the Breaker holds it as any request's command:
// it ends with the first attempt's read timeout (not every retry's; go-redis does not abort a
// read at a context deadline), within the 9 s bound here, where it took 12 s and more.
func TestRegressionRequestWatchProgressHonoursContext(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	created := createPod(ctx, t, s, "ns", "a")
	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: created.ResourceVersion, Predicate: storage.Everything,
		Recursive: true, ProgressNotify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// The watch started the reader; it is following once it handed out a change.
	createPod(ctx, t, s, "ns", "b")
	if ev := nextEvent(t, w); ev.Type != watch.Added {
		t.Fatalf("expected ADDED b, got %v", ev.Type)
	}

	resume := env.server.Freeze()
	defer resume()
	reqCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- s.RequestWatchProgress(reqCtx) }()
	select {
	case <-done:
	case <-time.After(9 * time.Second):
		resume()
		<-done
		t.Fatalf("RequestWatchProgress with a 200ms context was still blocked on a frozen Redis after %v", time.Since(start).Round(time.Millisecond))
	}
}
