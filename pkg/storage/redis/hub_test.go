package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/component-base/metrics/testutil"
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

// partition is a TCP proxy in front of Redis that can cut its clients off (every connection
// closed, new ones closed on arrival) and let them through again: one netweave replica
// partitioned from a Redis the others still reach.
type partition struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func newPartition(t *testing.T, target string) *partition {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &partition{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { _ = ln.Close(); p.split(); p.wg.Wait() })
	return p
}

func (p *partition) addr() string { return p.ln.Addr().String() }

func (p *partition) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			_ = client.Close()
			continue
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			_ = client.Close()
			continue
		}
		p.conns[client], p.conns[server] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		pipe := func(dst, src net.Conn) {
			defer p.wg.Done()
			_, _ = io.Copy(dst, src)
			_ = dst.Close()
			_ = src.Close()
		}
		go pipe(server, client)
		go pipe(client, server)
	}
}

// split cuts every client off; heal lets them connect again.
func (p *partition) split() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

func (p *partition) heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

// partitioned returns a store (built with opts) that reaches Redis through a partition, and
// one of the same install that reaches it directly (another replica).
// The stores share one install (the same keys); opts are the cut-off replica's, shared are
// both's.
func partitioned(t *testing.T, env *testEnv, opts []setupOption, shared ...setupOption) (*partition, *Store, *Store) {
	p := newPartition(t, env.server.Addr())
	client := goredis.NewClient(&goredis.Options{Addr: p.addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	shared = append(shared, withInstallPrefix(fmt.Sprintf("partition-%d", env.prefixes.Add(1))))
	cutOff := env.newStore(t, slices.Concat(shared, opts, []setupOption{withClient(client)})...)
	return p, cutOff, env.newStore(t, shared...)
}

// watchThenSplit opens a watch on cutOff that has delivered a write of other's, then cuts
// cutOff off and waits until its reader noticed.
func watchThenSplit(ctx context.Context, t *testing.T, p *partition, cutOff, other *Store) watch.Interface {
	t.Helper()
	first := createPod(ctx, t, cutOff, "ns", "first")
	w := watchFrom(ctx, t, cutOff, first.ResourceVersion)
	createPod(ctx, t, other, "ns", "before")
	if ev := nextEvent(t, w); ev.Type != watch.Added || ev.Object.(*example.Pod).Name != "before" {
		t.Fatalf("before the partition: got %v %#v", ev.Type, ev.Object)
	}
	p.split()
	untilTrue(t, "not Following while cut off", func() bool { return !cutOff.Following() })
	return w
}

// TestPartitionedReaderCatchesUp: a replica cut off from Redis while another writes keeps its
// watches open and, once it reaches Redis again, hands them every change it missed, in order
// and once each: nothing is lost and nobody lists again.
func TestPartitionedReaderCatchesUp(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	p, cutOff, other := partitioned(t, env, nil)
	w := watchThenSplit(ctx, t, p, cutOff, other)
	const missed = 50
	for i := range missed {
		createPod(ctx, t, other, "ns", fmt.Sprintf("while-cut-%02d", i))
	}
	p.heal()

	for i := range missed {
		ev := nextEvent(t, w)
		if want := fmt.Sprintf("while-cut-%02d", i); ev.Type != watch.Added || ev.Object.(*example.Pod).Name != want {
			t.Fatalf("change %d after the partition: got %v %#v, want ADDED %s", i, ev.Type, ev.Object, want)
		}
	}
	untilTrue(t, "Following once caught up", cutOff.Following)
}

// TestPartitionedReaderPastTheRingRelists: when the others made more revisions while a replica
// was cut off than the ring of fingerprints keeps, the replica cannot tell that none of what it
// saw was undone meanwhile (a failover that lost writes, written past), so its watches end with
// 410 (its clients list again) instead of going on from a position that may be in a history
// that no longer exists. This is not counted as the store going back: nothing says it did.
func TestPartitionedReaderPastTheRingRelists(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	metrics := newTestMetrics(t)
	p, cutOff, other := partitioned(t, env, []setupOption{withMetrics(metrics)})

	w := watchThenSplit(ctx, t, p, cutOff, other)
	for i := range ringSlots(t) + 10 {
		createPod(ctx, t, other, "ns", fmt.Sprintf("while-cut-%04d", i))
	}
	p.heal()

	expectGone(t, w)
	expectResets(t, metrics, "", 0)
	untilTrue(t, "Following again", cutOff.Following)
}

// TestWatchCatchingUpOutlivesRedisRestart: a watch still reading the history before its start
// (a client that resumes from an old resourceVersion) when Redis is killed and started again on
// its data goes on from the last change it sent, like the watches already caught up, instead of
// ending with 503 (which BenchmarkRedisRestart saw at 100,000 Resources for a watch opened just
// before the kill).
func TestWatchCatchingUpOutlivesRedisRestart(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	metrics := newTestMetrics(t)
	s := env.newStore(t, withMetrics(metrics))
	total := 2*historyReadChunk + 10
	var first *example.Pod
	for i := range total {
		p := createPod(ctx, t, s, "ns", fmt.Sprintf("p%04d", i))
		if i == 0 {
			first = p
		}
	}
	// From the first pod: the watch reads the others from the history, a chunk at a time, and
	// holds each chunk until its events are taken.
	w := watchFrom(ctx, t, s, first.ResourceVersion)
	next := func(i int) {
		t.Helper()
		ev := nextEvent(t, w)
		if want := fmt.Sprintf("p%04d", i); ev.Type != watch.Added || ev.Object.(*example.Pod).Name != want {
			t.Fatalf("event %d: got %v %#v, want ADDED %s", i, ev.Type, ev.Object, want)
		}
	}
	next(1) // the first chunk has been read
	env.server.Stop()
	for i := 2; i <= historyReadChunk; i++ {
		next(i) // the rest of the first chunk, from memory
	}
	catchUpFailed := func() bool {
		n, err := testutil.GetCounterMetricValue(metrics.RequestErrors.WithLabelValues("watchCatchUp", "", "pods"))
		return err == nil && n > 0
	}
	untilTrue(t, "the next chunk's read failed while Redis is down", catchUpFailed)
	env.server.Restart()
	for i := historyReadChunk + 1; i < total; i++ {
		next(i)
	}
}

// TestWatchInitialStateOutlivesRedisRestart: a watch that starts with the current state (no
// resourceVersion, as `kubectl get -w` and TestRedisRestartUnderLoad's watch do) opened while
// Redis is restarting reads that state once Redis answers and goes on, instead of ending with
// 503 (the CI run that found this: "watchList of … was not sent: connection refused").
func TestWatchInitialStateOutlivesRedisRestart(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	metrics := newTestMetrics(t)
	s := env.newStore(t, withMetrics(metrics))
	a := createPod(ctx, t, s, "ns", "a")
	createPod(ctx, t, s, "ns", "b")
	// A watch already open keeps the shared reader running, so the next one subscribes
	// without asking Redis.
	watchFrom(ctx, t, s, a.ResourceVersion)

	env.server.Stop()
	untilTrue(t, "not Following while Redis is down", func() bool { return !s.Following() })
	w := watchFrom(ctx, t, s, "0")
	untilTrue(t, "the initial state's read failed while Redis is down", func() bool {
		n, err := testutil.GetCounterMetricValue(metrics.RequestErrors.WithLabelValues("watchList", "", "pods"))
		return err == nil && n > 0
	})
	env.server.Restart()
	createOnceBack(ctx, t, s, "ns", "c")
	for _, want := range []string{"a", "b", "c"} {
		ev := nextEvent(t, w)
		if ev.Type != watch.Added || ev.Object.(*example.Pod).Name != want {
			t.Fatalf("got %v %#v, want ADDED %s", ev.Type, ev.Object, want)
		}
	}
}

// TestRegressionProgressRequestAfterTrimIsGone: a replica cut off while another wrote past the
// history's length is asked for progress (a cache waiting to catch up) as soon as it reaches
// Redis again. The answer used to read the stream from the hub's position with no compaction
// check and bookmark the current revision: the watch's first event after the partition was
// "while-cut-34", the 34 changes before it lost with no 410. It must end with 410, as the
// reader does, so its clients list again.
func TestRegressionProgressRequestAfterTrimIsGone(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	p, cutOff, other := partitioned(t, env, nil, withHistoryLength(5))
	w := watchThenSplit(ctx, t, p, cutOff, other)
	for i := range 40 {
		createPod(ctx, t, other, "ns", fmt.Sprintf("while-cut-%02d", i))
	}
	p.heal()
	if err := cutOff.RequestWatchProgress(ctx); err != nil {
		t.Fatal(err)
	}
	expectGone(t, w)
}
