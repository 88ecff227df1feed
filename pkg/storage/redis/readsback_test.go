package redis

import (
	"context"
	"maps"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"
)

// farFuture parses in its own offset (year 9999) but is year 10000 in UTC, which metav1.Time
// writes ("10000-01-01T00:59:59Z") and cannot parse back.
var farFuture = metav1.NewTime(time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("", -3600)))

// TestRegressionUnreadableObjectIsNotStored: a tenant wrote its pool's status with a condition
// at "9999-12-31T23:59:59-01:00". The store wrote it, then failed to decode its own answer (a
// 500), and from then on every list of that resource failed for everyone, the operator's and
// every informer's cluster-wide list included. What would not read back is now refused before
// anything is written, on create and on update, and the store serves what it had.
func TestRegressionUnreadableObjectIsNotStored(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	kept := createPod(ctx, t, s, "ns", "kept")

	bad := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "bad"}, Status: example.PodStatus{StartTime: &farFuture}}
	if err := s.Create(ctx, "/pods/ns/bad", bad, &example.Pod{}, 0); !apierrors.IsBadRequest(err) {
		t.Fatalf("create of an object that does not read back: %v, want a 400", err)
	}
	if err := s.Get(ctx, "/pods/ns/bad", storage.GetOptions{}, &example.Pod{}); !storage.IsNotFound(err) {
		t.Fatalf("get of the refused object: %v, want not found", err)
	}

	err := s.GuaranteedUpdate(ctx, "/pods/ns/kept", &example.Pod{}, false, nil,
		func(input runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			p := input.(*example.Pod).DeepCopy()
			p.Status.StartTime = &farFuture
			return p, nil, nil
		}, nil)
	if !apierrors.IsBadRequest(err) {
		t.Fatalf("update to an object that does not read back: %v, want a 400", err)
	}

	list := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatalf("list after the refused writes: %v", err)
	}
	if len(list.Items) != 1 || list.Items[0].ResourceVersion != kept.ResourceVersion || list.Items[0].Status.StartTime != nil {
		t.Fatalf("list after the refused writes: %+v, want only the pod as it was created", list.Items)
	}
}

// TestUpdateAnswerIsWhatWasStoredAfterAConflict: an update decodes what it is about to write
// into its destination before writing (to refuse what would not read back); when that write
// conflicts and the update is computed again, the destination must hold only the second
// attempt, not the first merged under it (a label the stored object no longer has). The codec
// decodes the stored version's JSON straight into the destination, with no conversion that
// would overwrite it whole: JSON decoded into a filled object keeps what the JSON leaves out.
func TestUpdateAnswerIsWhatWasStoredAfterAConflict(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t, withCodec(codecs.LegacyCodec(examplev1.SchemeGroupVersion)))
	key := "/pods/ns/p"
	stale := &examplev1.Pod{}
	if err := s.Create(ctx, key, &examplev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Labels: map[string]string{"a": "1", "b": "2"}}}, stale, 0); err != nil {
		t.Fatal(err)
	}
	setLabels := func(labels func(map[string]string) map[string]string) storage.UpdateFunc {
		return func(input runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			p := input.(*examplev1.Pod).DeepCopy()
			p.Labels = labels(p.Labels)
			return p, nil, nil
		}
	}
	if err := s.GuaranteedUpdate(ctx, key, &examplev1.Pod{}, false, nil, setLabels(func(map[string]string) map[string]string {
		return map[string]string{"a": "1"}
	}), nil); err != nil {
		t.Fatal(err)
	}

	// From the stale copy (labels a and b) the first attempt writes a, b and c and conflicts;
	// the second, from what is stored (a), writes a and c.
	attempts := 0
	out := &examplev1.Pod{}
	if err := s.GuaranteedUpdate(ctx, key, out, false, nil, setLabels(func(l map[string]string) map[string]string {
		attempts++
		l = maps.Clone(l)
		l["c"] = "3"
		return l
	}), stale); err != nil {
		t.Fatal(err)
	}
	if attempts != 2 {
		t.Fatalf("the update ran %d times, want 2 (a conflict on the stale copy, then one on the stored object)", attempts)
	}
	want := map[string]string{"a": "1", "c": "3"}
	if !maps.Equal(out.Labels, want) {
		t.Fatalf("update answered labels %v, want %v", out.Labels, want)
	}
	stored := &examplev1.Pod{}
	if err := s.Get(ctx, key, storage.GetOptions{}, stored); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(stored.Labels, want) || stored.ResourceVersion != out.ResourceVersion {
		t.Fatalf("stored labels %v at %s, answered %v at %s", stored.Labels, stored.ResourceVersion, out.Labels, out.ResourceVersion)
	}
}
