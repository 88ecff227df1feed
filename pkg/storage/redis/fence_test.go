package redis

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionStaleCachedUpdateAfterWipeDoesNotOverwrite: process A held pod x at
// revision 2 (its read cache's copy, handed to GuaranteedUpdate as cachedExistingObject).
// Redis is wiped and process B creates x again, with other content: in the new store x is
// again at revision 2. A's update, computed from its copy of the discarded x, passes the
// write script's mod-revision check and overwrote B's acknowledged object: the guard noticed
// the wipe only from the reply, after the write was applied. Now the write script refuses a
// write whose writer's epoch is gone (the fence), and the update is computed again from B's x.
func TestRegressionStaleCachedUpdateAfterWipeDoesNotOverwrite(t *testing.T) {
	ctx := context.Background()
	a, b, old, _ := wipedAndRecreated(t, "fence-update",
		&example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x"}, Spec: example.PodSpec{NodeName: "old-node"}},
		&example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x"}, Spec: example.PodSpec{NodeName: "new-node"}})

	out := &example.Pod{}
	err := a.GuaranteedUpdate(ctx, "/pods/ns/x", out, false, nil,
		func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			p := in.(*example.Pod).DeepCopy()
			if p.Labels == nil {
				p.Labels = map[string]string{}
			}
			p.Labels["touched"] = "yes"
			return p, nil, nil
		}, old.DeepCopy())
	got := &example.Pod{}
	if gerr := b.Get(ctx, "/pods/ns/x", storage.GetOptions{}, got); gerr != nil {
		t.Fatal(gerr)
	}
	if got.Spec.NodeName != "new-node" {
		t.Fatalf("update err=%v; B's acknowledged pod x (nodeName new-node) was overwritten with A's copy of the wiped one: nodeName %q, labels %v",
			err, got.Spec.NodeName, got.Labels)
	}
}

// TestRegressionStaleCachedDeleteAfterWipeHoldsItsUIDPrecondition: the Delete variant of the
// stale-CAS problem: a delete preconditioned on the UID of A's (discarded) copy of x deleted
// B's new x, which has another UID.
func TestRegressionStaleCachedDeleteAfterWipeHoldsItsUIDPrecondition(t *testing.T) {
	ctx := context.Background()
	a, b, old, recreated := wipedAndRecreated(t, "fence-delete",
		&example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x", UID: "uid-old"}},
		&example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x", UID: "uid-new"}})
	uid := old.UID
	err := a.Delete(ctx, "/pods/ns/x", &example.Pod{}, &storage.Preconditions{UID: &uid}, storage.ValidateAllObjectFunc, old.DeepCopy(), storage.DeleteOptions{})
	got := &example.Pod{}
	if gerr := b.Get(ctx, "/pods/ns/x", storage.GetOptions{}, got); gerr != nil {
		t.Fatalf("delete preconditioned on UID %s returned %v and removed B's pod x (UID %s): Get: %v", uid, err, recreated.UID, gerr)
	}
}

// TestRegressionStaleCachedUpdateAfterRollbackDoesNotOverwrite: the rollback variant, where
// the epoch stays: A updated x (revision r), a failover to a replica that lacked that write
// took the store back, and B updated x again, making revision r once more with other content.
// A's update from its copy of x@r passed the mod-revision check; now the fence compares the
// fingerprint of the newest revision A saw and refuses it.
func TestRegressionStaleCachedUpdateAfterRollbackDoesNotOverwrite(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	a := env.newStore(t, withInstallPrefix("fence-rollback"))
	b := env.newStore(t, withInstallPrefix("fence-rollback"))
	label := func(k, v string) storage.UpdateFunc {
		return func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			p := in.(*example.Pod).DeepCopy()
			if p.Labels == nil {
				p.Labels = map[string]string{}
			}
			p.Labels[k] = v
			return p, nil, nil
		}
	}
	if err := b.Create(ctx, "/pods/ns/x", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x"}}, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	snapshot, err := redisserver.TakeSnapshot(ctx, env.client)
	if err != nil {
		t.Fatal(err)
	}
	mine := &example.Pod{}
	if err := a.GuaranteedUpdate(ctx, "/pods/ns/x", mine, false, nil, label("by", "a"), nil); err != nil {
		t.Fatal(err)
	}
	if err := snapshot.Restore(ctx, env.client); err != nil {
		t.Fatal(err)
	}
	theirs := &example.Pod{}
	if err := b.GuaranteedUpdate(ctx, "/pods/ns/x", theirs, false, nil, label("by", "b"), nil); err != nil {
		t.Fatal(err)
	}
	if mine.ResourceVersion != theirs.ResourceVersion {
		t.Fatalf("revisions differ (%s, %s): the scenario needs them equal", mine.ResourceVersion, theirs.ResourceVersion)
	}
	if err := a.GuaranteedUpdate(ctx, "/pods/ns/x", &example.Pod{}, false, nil, label("again", "a"), mine.DeepCopy()); err != nil {
		t.Fatal(err)
	}
	got := &example.Pod{}
	if err := b.Get(ctx, "/pods/ns/x", storage.GetOptions{}, got); err != nil {
		t.Fatal(err)
	}
	if got.Labels["by"] != "b" || got.Labels["again"] != "a" {
		t.Fatalf("x after A's update from its copy of the rolled-back x: labels %v, want by=b (B's acknowledged write) and again=a", got.Labels)
	}
}

// wipedAndRecreated is the scene of the wipe regressions: store a of install created before,
// Redis wiped, store b of the same install created after, at the same revision number.
func wipedAndRecreated(t *testing.T, install string, before, after *example.Pod) (a, b *Store, old, recreated *example.Pod) {
	t.Helper()
	env := newTestEnv(t)
	ctx := context.Background()
	a = env.newStore(t, withInstallPrefix(install))
	b = env.newStore(t, withInstallPrefix(install))
	old, recreated = &example.Pod{}, &example.Pod{}
	if err := a.Create(ctx, "/pods/ns/x", before, old, 0); err != nil {
		t.Fatal(err)
	}
	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.Create(ctx, "/pods/ns/x", after, recreated, 0); err != nil {
		t.Fatal(err)
	}
	if old.ResourceVersion != recreated.ResourceVersion {
		t.Fatalf("revisions differ (%s, %s): the scenario needs them equal", old.ResourceVersion, recreated.ResourceVersion)
	}
	return a, b, old, recreated
}
