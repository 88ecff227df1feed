package redis

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
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
