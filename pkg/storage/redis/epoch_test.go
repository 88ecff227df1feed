package redis

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"

	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/test/redisserver"
)

// expectResets checks netweave_redis_storage_resets_total of the pods store: want for reason
// and 0 for every other (each series exists from the store's start). The store counts a reset
// right after its handlers ended the watches, so a test that saw a watch end polls.
func expectResets(t *testing.T, m *Metrics, reason string, want float64) {
	t.Helper()
	var wrong []string
	var readErr error
	_ = wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		wrong = wrong[:0]
		for _, r := range resetReasons {
			got, err := testutil.GetCounterMetricValue(m.Resets.WithLabelValues("", "pods", r))
			if err != nil {
				readErr = err
				return false, err
			}
			w := 0.0
			if r == reason {
				w = want
			}
			if got != w {
				wrong = append(wrong, fmt.Sprintf("netweave_redis_storage_resets_total{reason=%q} = %v, want %v", r, got, w))
			}
		}
		return len(wrong) == 0, nil
	})
	if readErr != nil {
		// A counter that cannot be read checks nothing: the poll stopped with nothing wrong.
		t.Errorf("read netweave_redis_storage_resets_total: %v", readErr)
	}
	for _, w := range wrong {
		t.Error(w)
	}
}

func expectGone(t *testing.T, w watch.Interface) {
	t.Helper()
	ev := nextEvent(t, w)
	status, ok := ev.Object.(*metav1.Status)
	if ev.Type != watch.Error || !ok || status.Code != http.StatusGone {
		t.Fatalf("expected 410 Gone error event, got %v %#v", ev.Type, ev.Object)
	}
}

func watchFrom(ctx context.Context, t *testing.T, s *Store, rv string) watch.Interface {
	t.Helper()
	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: rv, Predicate: storage.Everything, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return w
}

// TestWipedStoreEndsWatches: after FLUSHALL a watch would otherwise wait for
// revisions the restarted counter reaches only much later; it ends with 410
// so the client relists, the reset handlers run, and a watch from the new
// baseline sees new writes. The handlers run before the watch ends: a
// client told to relist must not be answered from a cache the handlers have
// not emptied yet (the CI run that found this saw 0 handler runs when the
// 410 arrived, because the store ended its watches first).
func TestWipedStoreEndsWatches(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	metrics := newTestMetrics(t)
	s := env.newStore(t, withMetrics(metrics))
	var resets atomic.Int32
	// The handler runs on the goroutine that noticed the wipe.
	var watching atomic.Pointer[watch.Interface]
	var endedBeforeHandler atomic.Bool
	s.OnReset(func() {
		select {
		case ev := <-(*watching.Load()).ResultChan():
			endedBeforeHandler.Store(true)
			t.Errorf("the watch had already ended (%v) when the reset handler ran", ev.Type)
		default:
		}
		resets.Add(1)
	})
	var last *example.Pod
	for _, name := range []string{"a", "b", "c"} {
		last = createPod(ctx, t, s, "ns", name)
	}
	w := watchFrom(ctx, t, s, last.ResourceVersion)
	watching.Store(&w)

	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if !endedBeforeHandler.Load() {
		expectGone(t, w)
	}
	if resets.Load() != 1 {
		t.Fatalf("reset handlers ran %d times, want 1", resets.Load())
	}
	expectResets(t, metrics, resetEpoch, 1)

	list := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 0 {
		t.Fatalf("wiped store lists %d pods", len(list.Items))
	}
	relisted := watchFrom(ctx, t, s, list.ResourceVersion)
	created := createPod(ctx, t, s, "ns", "after-wipe")
	ev := nextEvent(t, relisted)
	if pod, ok := ev.Object.(*example.Pod); ev.Type != watch.Added || !ok || pod.Name != created.Name {
		t.Fatalf("expected ADDED %s, got %v %#v", created.Name, ev.Type, ev.Object)
	}
	if resets.Load() != 1 {
		t.Fatalf("the new baseline was reset again: %d resets", resets.Load())
	}
	expectResets(t, metrics, resetEpoch, 1)
}

// TestWriteNoticesWipeAtOnce: the first write after a wipe runs the reset
// handlers before it returns, so a cache can drop its stale copy before the
// writer reads back (read-your-writes across a wipe).
func TestWriteNoticesWipeAtOnce(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	var resets atomic.Int32
	s.OnReset(func() { resets.Add(1) })
	createPod(ctx, t, s, "ns", "before")
	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	createPod(ctx, t, s, "ns", "after")
	if resets.Load() != 1 {
		t.Fatalf("reset handlers ran %d times after the first write, want 1", resets.Load())
	}
}

// TestRolledBackStoreEndsWatches: a failover to a lagging replica keeps the
// epoch but answers a lower revision; that too ends watches with 410.
func TestRolledBackStoreEndsWatches(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	metrics := newTestMetrics(t)
	s := env.newStore(t, withMetrics(metrics))
	first := createPod(ctx, t, s, "ns", "a")
	last := createPod(ctx, t, s, "ns", "b")
	w := watchFrom(ctx, t, s, last.ResourceVersion)
	if err := env.client.Set(ctx, s.keys.rev, first.ResourceVersion, 0).Err(); err != nil {
		t.Fatal(err)
	}
	expectGone(t, w)
	expectResets(t, metrics, resetRevision, 1)
}

// TestRollbackOvertakenByAnotherWriter: a process that only reads (A) saw revision N; the
// store goes back to an older state (a failover to a replica that lacked the last writes)
// and another process (B) writes past N before A looks again. The revision A then reads is
// above N and the epoch is the same: only the fingerprint of revision N, made again by
// another write, shows that A's N is gone. A's watch must end with 410 so its clients
// relist, instead of skipping B's new changes that reuse the discarded revisions.
func TestRollbackOvertakenByAnotherWriter(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	// A's watch reader blocks up to a minute per read: nothing but the change it waits
	// for makes it look at the store, so it cannot see the revision go down in between.
	// A has a client of its own (another process), closed first at the end so that
	// closing A does not wait for that read.
	clientA := goredis.NewClient(&goredis.Options{Addr: env.server.Addr()})
	metrics := newTestMetrics(t)
	a := env.newStore(t, withInstallPrefix("overtaken"), withWatchPollInterval(time.Minute), withClient(clientA), withMetrics(metrics))
	t.Cleanup(func() { _ = clientA.Close() })
	b := env.newStore(t, withInstallPrefix("overtaken"))
	var resets atomic.Int32
	a.OnReset(func() { resets.Add(1) })

	kept := createPod(ctx, t, b, "ns", "kept")
	snapshot, err := redisserver.TakeSnapshot(ctx, env.client)
	if err != nil {
		t.Fatal(err)
	}
	w := watchFrom(ctx, t, a, kept.ResourceVersion)
	for _, name := range []string{"lost-1", "lost-2"} {
		createPod(ctx, t, b, "ns", name)
		// The reader read the revision after the change and before handing it out: once
		// the watch has it, A has seen the revision of lost-2.
		if ev := nextEvent(t, w); ev.Type != watch.Added || ev.Object.(*example.Pod).Name != name {
			t.Fatalf("expected ADDED %s, got %v %#v", name, ev.Type, ev.Object)
		}
	}

	if err := snapshot.Restore(ctx, env.client); err != nil {
		t.Fatal(err)
	}
	// B's first write notices it went back (B had seen lost-2). B's rebase gives the store a
	// new epoch marked as a rollback's, which is how A learns of it (A counts a rollback:
	// reason revision): once B's rebase moved the counter past lost-2, neither A's revision
	// nor, with the ring rolled back, its fingerprint would show it.
	for _, name := range []string{"after-1", "after-2", "after-3"} {
		createPod(ctx, t, b, "ns", name)
	}
	expectGone(t, w)
	if resets.Load() != 1 {
		t.Fatalf("A's reset handlers ran %d times, want 1", resets.Load())
	}
	expectResets(t, metrics, resetRevision, 1)

	// From the new baseline, A sees what is there and nothing that was discarded.
	list := &example.PodList{}
	if err := a.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list.Items {
		names = append(names, p.Name)
	}
	if want := []string{"after-1", "after-2", "after-3", "kept"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("A lists %v, want %v", names, want)
	}
	relisted := watchFrom(ctx, t, a, list.ResourceVersion)
	createPod(ctx, t, b, "ns", "after-4")
	if ev := nextEvent(t, relisted); ev.Type != watch.Added || ev.Object.(*example.Pod).Name != "after-4" {
		t.Fatalf("expected ADDED after-4, got %v %#v", ev.Type, ev.Object)
	}
	if resets.Load() != 1 {
		t.Fatalf("the new baseline was reset again: %d resets", resets.Load())
	}
}

// TestGuardComparesFingerprints: the guard's decisions on the fingerprint of the newest
// revision it saw, as a read or write brings it back.
func TestGuardComparesFingerprints(t *testing.T) {
	for _, tc := range []struct {
		name   string
		seenID string // what the store now has for revision 10
		want   string // the reason, "" for none
	}{
		{"same write", "x", ""},
		{"made again by another write", "y", resetFingerprint},
		{"slot taken by a later revision, or no fingerprint recorded", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g epochGuard
			g.observe(g.mark(), observation{epoch: "e", rev: 10, id: "x", write: true})
			m := g.mark()
			if m.seen != 10 || m.seenID != "x" {
				t.Fatalf("mark %+v, want revision 10 with fingerprint x", m)
			}
			got, why := g.observe(m, observation{epoch: "e", rev: 12, id: "z", seenID: tc.seenID})
			if got != tc.want {
				t.Fatalf("went back: %q (%s), want %q", got, why, tc.want)
			}
			if m := g.mark(); m.seen != 12 || m.seenID != "z" {
				t.Fatalf("after the read the guard is at %+v, want revision 12 with fingerprint z", m)
			}
		})
	}
	// A fingerprint unknown when first seen is learnt from a later read of the same revision.
	var g epochGuard
	g.observe(g.mark(), observation{epoch: "e", rev: 10})
	g.observe(g.mark(), observation{epoch: "e", rev: 10, id: "x"})
	if m := g.mark(); m.seenID != "x" {
		t.Fatalf("mark %+v, want fingerprint x learnt for revision 10", m)
	}
}

// TestRevisionIDs: every revision-making script records a fingerprint in its ring slot, and
// a revision read returns the one of the current revision.
func TestRevisionIDs(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	createPod(ctx, t, s, "ns", "a")
	rev, err := s.currentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m := s.guard.mark(); m.seen != rev || m.seenID == "" {
		t.Fatalf("after create and read: mark %+v, want revision %d with a fingerprint", m, rev)
	}
	if err := s.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "/pods/ns/a", &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	slots, err := env.client.HGetAll(ctx, s.keys.revIDs).Result()
	if err != nil {
		t.Fatal(err)
	}
	// create, compact, delete: three revisions after the counter's initial 1.
	if len(slots) != 3 {
		t.Fatalf("ring %v, want 3 slots", slots)
	}
	for _, r := range []int64{rev, rev + 1, rev + 2} {
		id := parseRevisionID(slots[strconv.FormatInt(r%ringSlots(t), 10)])
		if id.of(r) == "" {
			t.Errorf("revision %d has no fingerprint: ring %v", r, slots)
		}
	}
}

func ringSlots(t *testing.T) int64 {
	n, err := strconv.ParseInt(revisionRingSlots, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
