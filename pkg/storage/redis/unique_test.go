package redis

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// nodeNameIndex stands in for an O2 id: the example pods have no id field,
// spec.nodeName is a string field with a field selector key of its own.
var nodeNameIndex = unique.Index{
	Field: "spec.nodeName",
	Value: func(obj runtime.Object) (string, error) {
		pod, ok := obj.(*example.Pod)
		if !ok {
			return "", fmt.Errorf("not a pod: %T", obj)
		}
		return pod.Spec.NodeName, nil
	},
}

func newUniqueStore(t *testing.T, env *testEnv) *Store {
	idx := nodeNameIndex
	// A path prefix proves KeyForUniqueValue hands back caller keys.
	return env.newStore(t, withUniqueIndex(&idx), withPathPrefix("registry"))
}

func createWithID(ctx context.Context, s *Store, ns, name, id string) (*example.Pod, error) {
	out := &example.Pod{}
	obj := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: example.PodSpec{NodeName: id}}
	return out, s.Create(ctx, fmt.Sprintf("/pods/%s/%s", ns, name), obj, out, 0)
}

func expectUniqueConflict(t *testing.T, err error, wantInMessage string) {
	t.Helper()
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Code != http.StatusConflict || !apierrors.IsConflict(err) {
		t.Fatalf("got %v (%T), want a 409 Conflict status error", err, err)
	}
	if !strings.Contains(err.Error(), wantInMessage) {
		t.Fatalf("conflict message %q does not contain %q", err.Error(), wantInMessage)
	}
}

func expectHolder(ctx context.Context, t *testing.T, s *Store, id, wantKey string) {
	t.Helper()
	key, found, err := s.KeyForUniqueValue(ctx, id)
	if err != nil {
		t.Fatalf("KeyForUniqueValue(%q): %v", id, err)
	}
	if wantKey == "" && found {
		t.Fatalf("KeyForUniqueValue(%q) = %q, want not found", id, key)
	}
	if wantKey != "" && (!found || key != wantKey) {
		t.Fatalf("KeyForUniqueValue(%q) = %q, %v; want %q", id, key, found, wantKey)
	}
}

func TestUniqueIndexRejectsDuplicateCreateWithoutWriting(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := newUniqueStore(t, env)
	const id = "39c85e74-2e98-4e3d-8fec-e5a849d967c6"
	if _, err := createWithID(ctx, s, "o2ims-demo", "ran-workers", id); err != nil {
		t.Fatal(err)
	}
	revBefore, err := s.GetCurrentResourceVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}

	_, err = createWithID(ctx, s, "other", "b", id)
	expectUniqueConflict(t, err, `pods "b": spec.nodeName `+id+` is already used by another object`)

	// The rejected write left nothing behind: no object, no revision bump.
	if err := s.Get(ctx, "/pods/other/b", storage.GetOptions{}, &example.Pod{}); !storage.IsNotFound(err) {
		t.Fatalf("rejected object is readable: %v", err)
	}
	if revAfter, err := s.GetCurrentResourceVersion(ctx); err != nil || revAfter != revBefore {
		t.Fatalf("revision moved from %d to %d (%v) on a rejected create", revBefore, revAfter, err)
	}
	expectHolder(ctx, t, s, id, "/pods/o2ims-demo/ran-workers")
}

func TestUniqueIndexIsCaseInsensitive(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := newUniqueStore(t, env)
	if _, err := createWithID(ctx, s, "ns", "lower", "abc-def"); err != nil {
		t.Fatal(err)
	}
	_, err := createWithID(ctx, s, "ns", "upper", "ABC-DEF")
	expectUniqueConflict(t, err, "spec.nodeName ABC-DEF is already used by another object")
	expectHolder(ctx, t, s, "aBc-DeF", "/pods/ns/lower")
}

func TestUniqueIndexDeleteFreesTheValue(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := newUniqueStore(t, env)
	if _, err := createWithID(ctx, s, "ns", "first", "id-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "/pods/ns/first", &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	expectHolder(ctx, t, s, "id-1", "")
	if _, err := createWithID(ctx, s, "ns", "second", "id-1"); err != nil {
		t.Fatalf("id of a deleted object is still held: %v", err)
	}
	expectHolder(ctx, t, s, "id-1", "/pods/ns/second")
}

func setNodeName(id string) storage.UpdateFunc {
	return func(input runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
		pod := input.(*example.Pod).DeepCopy()
		pod.Spec.NodeName = id
		pod.Labels = map[string]string{"touched": "yes"}
		return pod, nil, nil
	}
}

func TestUniqueIndexUpdates(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := newUniqueStore(t, env)
	for _, p := range []struct{ name, id string }{{"a", "id-a"}, {"b", "id-b"}} {
		if _, err := createWithID(ctx, s, "ns", p.name, p.id); err != nil {
			t.Fatal(err)
		}
	}
	out := &example.Pod{}

	// Keeping one's own value is no conflict.
	if err := s.GuaranteedUpdate(ctx, "/pods/ns/a", out, false, nil, setNodeName("ID-A"), nil); err != nil {
		t.Fatalf("update keeping the id (other case): %v", err)
	}
	// Taking another object's value is refused at once, not retried.
	err := s.GuaranteedUpdate(ctx, "/pods/ns/a", out, false, nil, setNodeName("id-b"), nil)
	expectUniqueConflict(t, err, "spec.nodeName id-b is already used by another object")
	if err := s.Get(ctx, "/pods/ns/a", storage.GetOptions{}, out); err != nil || out.Spec.NodeName != "ID-A" {
		t.Fatalf("refused update changed the object: %v %q", err, out.Spec.NodeName)
	}
	// Moving to a free value releases the old one.
	if err := s.GuaranteedUpdate(ctx, "/pods/ns/a", out, false, nil, setNodeName("id-c"), nil); err != nil {
		t.Fatal(err)
	}
	expectHolder(ctx, t, s, "id-a", "")
	expectHolder(ctx, t, s, "id-c", "/pods/ns/a")
	// Dropping the value releases it too.
	if err := s.GuaranteedUpdate(ctx, "/pods/ns/a", out, false, nil, setNodeName(""), nil); err != nil {
		t.Fatal(err)
	}
	expectHolder(ctx, t, s, "id-c", "")
	if _, err := createWithID(ctx, s, "ns", "c", "id-c"); err != nil {
		t.Fatalf("released id still held: %v", err)
	}
}

func TestUniqueIndexConcurrentCreatesHaveOneWinner(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := newUniqueStore(t, env)
	const creators = 20
	errs := make([]error, creators)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range creators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = createWithID(ctx, s, fmt.Sprintf("ns-%d", i), "pool", "same-id")
		}()
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("creators %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !apierrors.IsConflict(err):
			t.Fatalf("creator %d: %v, want a conflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no creator won")
	}
	expectHolder(ctx, t, s, "same-id", fmt.Sprintf("/pods/ns-%d/pool", winner))
	list := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Fatalf("%d objects stored, want 1", len(list.Items))
	}
}

func TestUniqueIndexTTLExpiryFreesTheValue(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := newUniqueStore(t, env)
	obj := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "short"}, Spec: example.PodSpec{NodeName: "ttl-id"}}
	created := &example.Pod{}
	if err := s.Create(ctx, "/pods/ns/short", obj, created, 1); err != nil {
		t.Fatal(err)
	}
	w, err := s.Watch(ctx, "/pods/ns/short", storage.ListOptions{ResourceVersion: created.ResourceVersion, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// The reaper's script deletes and releases atomically, so once the
	// DELETED event exists the value is free.
	if ev := nextEvent(t, w); ev.Type != watch.Deleted {
		t.Fatalf("got %v, want the expiry's DELETED event", ev.Type)
	}
	expectHolder(ctx, t, s, "ttl-id", "")
}

func TestUniqueIndexIsInertWhenUnset(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	s := env.newStore(t)
	for _, ns := range []string{"a", "b"} {
		if _, err := createWithID(ctx, s, ns, "p", "same"); err != nil {
			t.Fatalf("store without unique index refused a duplicate: %v", err)
		}
	}
	if _, _, err := s.KeyForUniqueValue(ctx, "same"); err == nil {
		t.Fatal("KeyForUniqueValue without an index should fail")
	}
}
