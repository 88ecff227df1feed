package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// untilTrue polls cond until it holds, failing t after wait.ForeverTestTimeout.
func untilTrue(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, wait.ForeverTestTimeout, true,
		func(context.Context) (bool, error) { return cond(), nil }); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// createOnceBack creates a pod, trying again while Redis is still coming back (the client's
// pool refuses at once for a moment after failed dials). A create that failed with its outcome
// unknown and was applied meets its own AlreadyExists on the next try: then the pod is read.
func createOnceBack(ctx context.Context, t *testing.T, s *Store, ns, name string) *example.Pod {
	t.Helper()
	key := fmt.Sprintf("/pods/%s/%s", ns, name)
	out := &example.Pod{}
	untilTrue(t, "create "+name+" once Redis is back", func() bool {
		err := s.Create(ctx, key, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}, out, 0)
		if storage.IsExist(err) {
			err = s.Get(ctx, key, storage.GetOptions{}, out)
		}
		return err == nil
	})
	return out
}

// TestWatchOutlivesRedisRestart: a Redis killed and started again on its append-only file lost
// nothing, so the watches open on it go on where they were, as an etcd watch outlives a
// reconnect. Before, the change reader ended every watch with 503 at the first failed read, and
// every client and read cache of the process listed everything again. Meanwhile the store says
// it is not Following, so that nothing answers from what the watches fed.
func TestWatchOutlivesRedisRestart(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	metrics := newTestMetrics(t)
	s := env.newStore(t, withMetrics(metrics))

	a := createPod(ctx, t, s, "ns", "a")
	w := watchFrom(ctx, t, s, a.ResourceVersion)
	b := createPod(ctx, t, s, "ns", "b")
	if ev := nextEvent(t, w); ev.Type != watch.Added || ev.Object.(*example.Pod).Name != b.Name {
		t.Fatalf("before the restart: got %v %#v, want ADDED b", ev.Type, ev.Object)
	}
	if !s.Following() {
		t.Fatal("not Following before the fault")
	}

	env.server.Stop()
	untilTrue(t, "not Following while Redis is down", func() bool { return !s.Following() })
	// Several failed reads, so that a reader that gave up after the first would have.
	misses := env.client.PoolStats().Misses
	untilTrue(t, "the reader tries Redis again while it is down", func() bool { return env.client.PoolStats().Misses >= misses+5 })
	env.server.Restart()

	c := createOnceBack(ctx, t, s, "ns", "c")
	ev := nextEvent(t, w)
	if ev.Type != watch.Added || ev.Object.(*example.Pod).Name != c.Name {
		t.Fatalf("after the restart: got %v %#v, want ADDED c on the same watch", ev.Type, ev.Object)
	}
	if got := ev.Object.(*example.Pod).ResourceVersion; got != c.ResourceVersion {
		t.Errorf("ADDED c at resourceVersion %s, created at %s", got, c.ResourceVersion)
	}
	untilTrue(t, "Following again once the reader read Redis", s.Following)
	// Nothing was lost, so nothing counts as the store going back.
	expectResets(t, metrics, "", 0)
}

// TestWatchAcrossRedisWipeIsGone: a Redis that comes back without its data (no persistence, or
// a lost volume) is a store that went back: the watch kept open while Redis was down ends with
// 410 once the reader reads again, instead of waiting for revisions the new counter reaches
// only much later.
func TestWatchAcrossRedisWipeIsGone(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	metrics := newTestMetrics(t)
	s := env.newStore(t, withMetrics(metrics))

	a := createPod(ctx, t, s, "ns", "a")
	w := watchFrom(ctx, t, s, a.ResourceVersion)
	env.server.Stop()
	untilTrue(t, "not Following while Redis is down", func() bool { return !s.Following() })
	env.server.Wipe()

	expectGone(t, w)
	expectResets(t, metrics, resetEpoch, 1)
	// A new watch from a fresh list follows the new store.
	list := &example.PodList{}
	untilTrue(t, "list the wiped store", func() bool {
		return s.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, list) == nil
	})
	if len(list.Items) != 0 {
		t.Fatalf("the wiped store lists %d pods", len(list.Items))
	}
	relisted := watchFrom(ctx, t, s, list.ResourceVersion)
	created := createOnceBack(ctx, t, s, "ns", "after-wipe")
	if ev := nextEvent(t, relisted); ev.Type != watch.Added || ev.Object.(*example.Pod).Name != created.Name {
		t.Fatalf("after the wipe: got %v %#v, want ADDED after-wipe", ev.Type, ev.Object)
	}
	untilTrue(t, "Following again", s.Following)
}

// TestRetryOnlyWhileUnavailable: the change reader keeps watches open only for errors that say
// Redis is unavailable for now (refused, not answering, a connection cut under the read); a
// history trimmed past the reader ends them with 410 (the client relists: it cannot be told what
// it missed), anything else with the error.
func TestRetryOnlyWhileUnavailable(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	for i, tc := range []struct {
		err   error
		retry bool
		code  int32
	}{
		{err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, retry: true},
		{err: ErrNotAnswering, retry: true},
		{err: io.EOF, retry: true},
		{err: errCompactedWhileWatching, code: http.StatusGone},
		{err: errors.New("stream entry 7-0: field v is int64"), code: http.StatusInternalServerError},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			from := createPod(ctx, t, s, "ns", fmt.Sprintf("from%d", i))
			w := watchFrom(ctx, t, s, from.ResourceVersion)
			s.hub.mu.Lock()
			gen := s.hub.gen
			s.hub.mu.Unlock()
			backoff := wait.Backoff{Duration: time.Millisecond, Steps: 1}
			if got := s.hub.waitToRetry(gen, tc.err, &backoff); got != tc.retry {
				t.Fatalf("waitToRetry(%v) = %v, want %v", tc.err, got, tc.retry)
			}
			if tc.retry {
				// The watch went on: the next thing on it is the next write.
				p := createPod(ctx, t, s, "ns", fmt.Sprintf("p%d", i))
				if ev := nextEvent(t, w); ev.Type != watch.Added || ev.Object.(*example.Pod).Name != p.Name {
					t.Fatalf("got %v %#v, want ADDED %s", ev.Type, ev.Object, p.Name)
				}
				return
			}
			ev := nextEvent(t, w)
			status, ok := ev.Object.(*metav1.Status)
			if ev.Type != watch.Error || !ok || status.Code != tc.code {
				t.Fatalf("got %v %#v, want an error event with code %d", ev.Type, ev.Object, tc.code)
			}
			if tc.code == http.StatusGone && !apierrors.IsResourceExpired(apierrors.FromObject(status)) {
				t.Errorf("a trimmed history ended the watch with %#v, want 410 Expired", status)
			}
		})
	}
}
