package redis

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/klog/v2/ktesting"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionNotWrittenCreateUnderMinReplicasAckIsAlreadyExists: with --redis-min-replicas-ack
// and no replica confirming in time (replicas down or lagging), a create of a name that
// exists wrote nothing (the script answered "exists" before its first write), yet the store
// answered "the write reached 0 of 1 replicas: the primary has it, a failover may lose it"
// (a 500 of unknown outcome telling the client its create was applied) instead of 409
// AlreadyExists. The same holds for a unique-value clash and a lost CAS race of an update or
// delete, which GuaranteedUpdate/Delete would otherwise have retried.
func TestRegressionNotWrittenCreateUnderMinReplicasAckIsAlreadyExists(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	createPod(ctx, t, s, "ns", "x")
	// No replica: every WAIT 1 answers 0 after the timeout.
	s.cfg.MinReplicasAck, s.cfg.MinReplicasAckTimeout = 1, 20*time.Millisecond

	err := s.Create(ctx, "/pods/ns/x", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x"}}, &example.Pod{}, 0)
	if !storage.IsExist(err) {
		t.Fatalf("create of an existing pod, nothing written: %v; want AlreadyExists", err)
	}
	if err != nil && strings.Contains(err.Error(), "the primary has it") {
		t.Fatalf("nothing was written, yet the error says the primary has it: %v", err)
	}
}

// TestRegressionReplyFromBeforeAWipeDoesNotResetAgain: an operation sent before Redis was wiped
// (FLUSHALL, a restart without persistence) whose reply is handled only after another
// operation already noticed the wipe (concurrent requests: its goroutine ran late) carries
// the install epoch of the wiped store. The guard took it for yet another wipe: a second
// reset, counted as a second loss of data (netweave_redis_storage_resets_total, the
// NetweaveRedisLostData alert), emptying the caches again and ending with 410 the watches
// the clients had just opened after relisting, which relist a second time.
func TestRegressionReplyFromBeforeAWipeDoesNotResetAgain(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	metrics := newTestMetrics(t)
	s := env.newStore(t, withMetrics(metrics))
	var resets atomic.Int32
	s.OnReset(func() { resets.Add(1) })
	createPod(ctx, t, s, "ns", "before")

	// An operation in flight: sent, and answered by Redis, before the wipe.
	m := s.guard.mark()
	res, err := currentScript.Run(ctx, s.client, []string{s.keys.rev, s.keys.epoch, s.keys.revIDs}, m.seen).Slice()
	if err != nil {
		t.Fatal(err)
	}
	late := observation{epoch: res[1].(string), rev: res[0].(int64), id: parseRevisionID(res[2]).of(res[0].(int64)), seenID: parseRevisionID(res[3]).of(m.seen)}

	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// Another request notices the wipe: one reset, as it should be.
	if _, err := s.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if resets.Load() != 1 {
		t.Fatalf("%d resets after the wipe, want 1", resets.Load())
	}
	// The client relists and watches from the new store's revision.
	list := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	w := watchFrom(ctx, t, s, list.ResourceVersion)

	// Now the in-flight operation's reply is handled.
	s.observeEpoch(m, late)

	created := createPod(ctx, t, s, "ns", "after")
	ev := nextEvent(t, w)
	if pod, ok := ev.Object.(*example.Pod); ev.Type != watch.Added || !ok || pod.Name != created.Name {
		t.Errorf("the watch opened after relisting got %s, want ADDED %s: a reply from before the wipe reset the store again", describe(ev), created.Name)
	}
	if resets.Load() != 1 {
		t.Errorf("%d resets for one wipe, want 1", resets.Load())
	}
	expectResets(t, metrics, resetEpoch, 1)
}

// failScriptOnce is a go-redis hook that refuses the next run of script, before sending it,
// as a Redis in the middle of a failover does (READONLY), or a dropped connection.
type failScriptOnce struct {
	script *goredis.Script
	armed  atomic.Bool
	failed atomic.Int32
}

func (h *failScriptOnce) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *failScriptOnce) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		args := cmd.Args()
		if len(args) > 1 && h.armed.Load() {
			name := strings.ToLower(cmd.Name())
			if (name == "evalsha" && args[1] == h.script.Hash()) || (name == "eval" && strings.Contains(fmt.Sprint(args[1]), "'.r'")) {
				h.armed.Store(false)
				h.failed.Add(1)
				err := errors.New("READONLY You can't write against a read only replica.")
				cmd.SetErr(err)
				return err
			}
		}
		return next(ctx, cmd)
	}
}
func (h *failScriptOnce) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// TestRegressionFailedRebaseIsRetried: the process that notices a rollback (a failover to a
// replica that lacked the last writes, which others then wrote past) rebases the store so
// that a revision of the discarded history is answered 410 Gone. When that one rebase
// command failed (the write connection still on the demoted primary answering READONLY, a
// dropped connection, a full Redis), it was only logged and never tried again: the guard had
// already taken the new history as its baseline, so nothing noticed anything again, and a
// client's watch from a revision of the discarded history was accepted and went on in the new
// one (it never learns its objects from the discarded writes are gone), on this replica and,
// as the store got no new install epoch, on every other.
func TestRegressionFailedRebaseIsRetried(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	writes, err := NewWriteClient(env.client)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = writes.Close() })
	fault := &failScriptOnce{script: rebaseScript}
	writes.AddHook(fault)
	a := env.newStore(t, withInstallPrefix("rebase-fails"), withWriteClient(writes))
	b := env.newStore(t, withInstallPrefix("rebase-fails"))

	createPod(ctx, t, a, "ns", "kept")
	snapshot, err := redisserver.TakeSnapshot(ctx, env.client)
	if err != nil {
		t.Fatal(err)
	}
	createPod(ctx, t, a, "ns", "lost-1")
	createPod(ctx, t, a, "ns", "lost-2")
	list := &example.PodList{}
	if err := a.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: "0", Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	if err := snapshot.Restore(ctx, env.client); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"new-1", "new-2", "new-3"} {
		createPod(ctx, t, b, "ns", name)
	}
	fault.armed.Store(true)
	// A notices; its rebase is refused this once.
	if _, err := a.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if fault.failed.Load() != 1 {
		t.Fatalf("the rebase was refused %d times, want 1", fault.failed.Load())
	}
	// Redis takes writes again; A keeps working.
	if _, err := a.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
	w := watchFrom(ctx, t, a, list.ResourceVersion)
	ev := nextEvent(t, w)
	if status, ok := ev.Object.(*metav1.Status); ev.Type == watch.Error && ok && status.Code == http.StatusGone {
		return
	}
	t.Fatalf("after a failed rebase, a watch from revision %s of the discarded history (client holds kept, lost-1, lost-2) went on in the new one: %s; want 410 Gone",
		list.ResourceVersion, describe(ev))
}

// holdPings is a go-redis hook that holds every PING until release is closed: the breaker's
// probe stuck on a connection whose packets are still lost (or sleeping its backoff) while
// Redis already answers on others.
type holdPings struct{ release chan struct{} }

func (h holdPings) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h holdPings) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if strings.EqualFold(cmd.Name(), "ping") {
			<-h.release
		}
		return next(ctx, cmd)
	}
}
func (h holdPings) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// TestRegressionWriteAfterRedisAnswersAgainIsNotAbandoned: once Redis answers again after it
// hung (a partition healed, a frozen Redis resumed), the breaker admits commands at once
// (Answering), but the signal that cuts short commands in flight stayed cancelled until the
// breaker's own probe PING came back (it may be waiting out a read timeout on a connection
// still stuck, or sleeping its 1 s backoff). Every command admitted meanwhile was "abandoned"
// before it was sent: a read answered 503, and a write 500 "the outcome of the create is
// unknown: it was sent to Redis ... it may have been applied", although nothing was sent.
func TestRegressionWriteAfterRedisAnswersAgainIsNotAbandoned(t *testing.T) {
	env := newTestEnv(t)
	const readTimeout = 200 * time.Millisecond
	client := goredis.NewClient(&goredis.Options{Addr: env.server.Addr(), ReadTimeout: readTimeout, WriteTimeout: readTimeout})
	t.Cleanup(func() { _ = client.Close() })
	logger, _ := ktesting.NewTestContext(t)
	b := InstallBreaker(client, logger, nil)
	probe := holdPings{release: make(chan struct{})}
	client.AddHook(probe)
	released := false
	release := func() {
		if !released {
			released = true
			close(probe.release)
		}
	}
	t.Cleanup(release)
	s := guardedStore(t, env, client, b)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	resume := env.server.Freeze()
	if err := client.Get(ctx, "anything").Err(); err == nil || b.Answering() {
		resume()
		t.Fatalf("a read from the frozen Redis: %v, breaker answering %v; want a timeout that opens it", err, b.Answering())
	}
	resume()
	// Redis answers again, on another connection than the probe's.
	if err := client.Get(Background(ctx), "anything").Err(); err != nil && !errors.Is(err, goredis.Nil) {
		t.Fatal(err)
	}
	if !b.Answering() {
		t.Fatal("the breaker does not count Redis's answer")
	}
	err := s.Create(ctx, "/pods/ns/after", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "after"}}, &example.Pod{}, 0)
	release()
	if err != nil {
		t.Fatalf("create while Redis answers again (the breaker's probe not back yet): %v", err)
	}
}

// beforeHistoryReadFrom is a go-redis hook that runs fn once, before the first history read
// (historyScript: EVALSHA or EVAL hash|script 2 compacted stream start end count) from the
// given stream ID: a write landing between two
// chunks of one history read. It matches the read by where it starts, not by how many reads
// came before, because the hub's watch reader reads the same history on the same client.
type beforeHistoryReadFrom struct {
	from string
	once sync.Once
	fn   func()
}

func (h *beforeHistoryReadFrom) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *beforeHistoryReadFrom) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, c goredis.Cmder) error {
		name := strings.ToLower(c.Name())
		if args := c.Args(); (name == "evalsha" && len(args) > 5 && args[1] == historyScript.Hash()) ||
			(name == "eval" && len(args) > 5 && strings.Contains(fmt.Sprint(args[1]), "XRANGE")) {
			if fmt.Sprint(args[5]) == h.from {
				h.once.Do(h.fn)
			}
		}
		return next(ctx, c)
	}
}
func (h *beforeHistoryReadFrom) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		for _, c := range cmds {
			if args := c.Args(); strings.EqualFold(c.Name(), "xrange") && len(args) > 2 && fmt.Sprint(args[2]) == h.from {
				h.once.Do(h.fn)
				break
			}
		}
		return next(ctx, cmds)
	}
}

// TestRegressionTrimBetweenCatchUpChunksToTheNextChangeIsNotGone: a watch resuming from an old
// revision reads the history a chunk (500 changes) at a time, each chunk checked against the
// compaction point. Every chunk was held to the rule for the watch's start revision (the
// revision itself must not be compacted), not to what it needs (the changes after the last
// one sent): when a trim between two chunks dropped exactly the changes already sent, the
// next one being the oldest kept, the watch ended with 410 Gone although nothing it needed
// was gone.
func TestRegressionTrimBetweenCatchUpChunksToTheNextChangeIsNotGone(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	client := goredis.NewClient(&goredis.Options{Addr: env.server.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	s := env.newStore(t, withInstallPrefix("chunk-trim"), withClient(client))
	const changes = 600
	start := createPod(ctx, t, s, "ns", "start")
	for i := 0; i < changes; i++ {
		createPod(ctx, t, s, "ns", fmt.Sprintf("p-%03d", i))
	}
	// Another replica, whose one write trims the history to its newest 101 entries: exactly
	// start and the 500 changes of the first chunk go.
	trimmer := env.newStore(t, withInstallPrefix("chunk-trim"), withHistoryLength(changes+2-501))
	startRev, err := strconv.ParseInt(start.ResourceVersion, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	// The second chunk starts after the first chunk's 500 changes.
	hook := &beforeHistoryReadFrom{from: streamID(startRev + historyReadChunk + 1), fn: func() { createPod(ctx, t, trimmer, "ns", "last") }}
	client.AddHook(hook)

	w := watchFrom(ctx, t, s, start.ResourceVersion)
	for i := 0; i <= changes; i++ {
		ev := nextEvent(t, w)
		if ev.Type != watch.Added {
			t.Fatalf("event %d of the catch-up: %s; want ADDED (the trim took only changes already sent)", i, describe(ev))
		}
	}
}
