package redis

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
