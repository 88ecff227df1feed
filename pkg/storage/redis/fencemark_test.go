package redis

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// wipedUnder wipes Redis, has b create x again (at the revision A read x at) and has A notice
// the wipe through another of its operations: what another goroutine of A's process does while
// A's write is between the read it is based on and the write itself.
func wipedUnder(ctx context.Context, t *testing.T, env *testEnv, a, b *Store, old *example.Pod) {
	t.Helper()
	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	recreated := &example.Pod{}
	if err := b.Create(ctx, "/pods/ns/x", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x", UID: "uid-new"},
		Spec: example.PodSpec{NodeName: "new-node"}}, recreated, 0); err != nil {
		t.Fatal(err)
	}
	if recreated.ResourceVersion != old.ResourceVersion {
		t.Fatalf("revisions differ (%s, %s): the scenario needs them equal", old.ResourceVersion, recreated.ResourceVersion)
	}
	if _, err := a.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
}

func fenceMarkScene(t *testing.T, install string) (ctx context.Context, env *testEnv, a, b *Store, old *example.Pod) {
	t.Helper()
	env = newTestEnv(t)
	ctx = context.Background()
	a = env.newStore(t, withInstallPrefix(install))
	b = env.newStore(t, withInstallPrefix(install))
	old = &example.Pod{}
	if err := a.Create(ctx, "/pods/ns/x", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x", UID: "uid-old"},
		Spec: example.PodSpec{NodeName: "old-node"}}, old, 0); err != nil {
		t.Fatal(err)
	}
	return ctx, env, a, b, old
}

func expectNewNode(ctx context.Context, t *testing.T, b *Store, what string, err error) {
	t.Helper()
	got := &example.Pod{}
	if gerr := b.Get(ctx, "/pods/ns/x", storage.GetOptions{}, got); gerr != nil {
		t.Fatalf("%s returned %v, and B's pod x is gone: %v", what, err, gerr)
	}
	if got.Spec.NodeName != "new-node" || got.UID != "uid-new" {
		t.Fatalf("%s returned %v and overwrote B's acknowledged pod x (new-node, uid-new) with A's copy of the wiped one: %s, %s, labels %v",
			what, err, got.Spec.NodeName, got.UID, got.Labels)
	}
}

// TestRegressionUpdateReadBeforeAWipeNoticedMeanwhileDoesNotOverwrite: A's GuaranteedUpdate
// read x@2 from the store, then Redis was wiped, B created x again at revision 2, and A's
// process noticed the wipe (another of its operations) before A's write was sent. The write
// was fenced with what the guard knew when it was sent (the new epoch), not when its
// object was read, so the fence let it through and the mod-revision check matched B's x:
// B's acknowledged object was overwritten with an update computed from the wiped one.
func TestRegressionUpdateReadBeforeAWipeNoticedMeanwhileDoesNotOverwrite(t *testing.T) {
	ctx, env, a, b, old := fenceMarkScene(t, "fence-mark-update")
	calls := 0
	err := a.GuaranteedUpdate(ctx, "/pods/ns/x", &example.Pod{}, false, nil,
		func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			calls++
			if calls == 1 {
				wipedUnder(ctx, t, env, a, b, old)
			}
			p := in.(*example.Pod).DeepCopy()
			p.Labels = map[string]string{"touched": "yes"}
			return p, nil, nil
		}, nil)
	expectNewNode(ctx, t, b, "the update", err)
}

// TestRegressionCachedUpdateFromBeforeANoticedWipeDoesNotOverwrite: the cached variant: A's
// GuaranteedUpdate was handed its read cache's copy of x@2, taken before a wipe that A's
// process had noticed by the time the update started (the cache was emptied meanwhile). The
// fence passed (A knew the new epoch) and the copy's revision matched B's new x@2.
func TestRegressionCachedUpdateFromBeforeANoticedWipeDoesNotOverwrite(t *testing.T) {
	ctx, env, a, b, old := fenceMarkScene(t, "fence-mark-cached")
	wipedUnder(ctx, t, env, a, b, old)
	err := a.GuaranteedUpdate(ctx, "/pods/ns/x", &example.Pod{}, false, nil,
		func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			p := in.(*example.Pod).DeepCopy()
			p.Labels = map[string]string{"touched": "yes"}
			return p, nil, nil
		}, old.DeepCopy())
	expectNewNode(ctx, t, b, "the update", err)
}

// TestRegressionDeleteReadBeforeAWipeNoticedMeanwhileHoldsItsPrecondition: the Delete variant:
// a delete preconditioned on the UID of x as A read it before the wipe deleted B's new x.
func TestRegressionDeleteReadBeforeAWipeNoticedMeanwhileHoldsItsPrecondition(t *testing.T) {
	ctx, env, a, b, old := fenceMarkScene(t, "fence-mark-delete")
	uid := old.UID
	calls := 0
	err := a.Delete(ctx, "/pods/ns/x", &example.Pod{}, &storage.Preconditions{UID: &uid},
		func(context.Context, runtime.Object) error {
			calls++
			if calls == 1 {
				wipedUnder(ctx, t, env, a, b, old)
			}
			return nil
		}, nil, storage.DeleteOptions{})
	expectNewNode(ctx, t, b, "the delete", err)
}
