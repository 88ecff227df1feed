package redis

import (
	"context"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// A list pinned to an old revision rewinds through more changes than one history chunk: the
// changes are read a chunk at a time, and the snapshot is exactly the one at that revision. A
// revision the history no longer reaches answers 410.
func TestListAtOldRevisionReadsHistoryInChunks(t *testing.T) {
	env := newTestEnv(t)
	s := env.newStore(t)
	ctx := context.Background()
	const pods = 5
	updates := 2*historyReadChunk + 7
	for i := range pods {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: "ns"}}
		if err := s.Create(ctx, "/pods/ns/"+pod.Name, pod, &example.Pod{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	pinned := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, pinned); err != nil {
		t.Fatal(err)
	}
	for i := range updates {
		key := fmt.Sprintf("/pods/ns/p%d", i%pods)
		err := s.GuaranteedUpdate(ctx, key, &example.Pod{}, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
			p := obj.(*example.Pod)
			p.Labels = map[string]string{"i": fmt.Sprint(i)}
			return p, nil
		}), nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	// The one delete: the rewind brings it back too.
	if err := s.Delete(ctx, "/pods/ns/p0", &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got := &example.PodList{}
	opts := storage.ListOptions{ResourceVersion: pinned.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact,
		Recursive: true, Predicate: storage.Everything}
	if err := s.GetList(ctx, "/pods/", opts, got); err != nil {
		t.Fatal(err)
	}
	if got.ResourceVersion != pinned.ResourceVersion || len(got.Items) != pods {
		t.Fatalf("list at %s: %d items at %s, want %d", pinned.ResourceVersion, len(got.Items), got.ResourceVersion, pods)
	}
	for i, p := range got.Items {
		if p.Labels != nil || p.ResourceVersion != pinned.Items[i].ResourceVersion {
			t.Errorf("%s at the pinned revision: labels %v, resourceVersion %s; want none, %s", p.Name, p.Labels, p.ResourceVersion, pinned.Items[i].ResourceVersion)
		}
	}

	// Compacted past the pinned revision: 410.
	rev, err := s.GetCurrentResourceVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(ctx, int64(rev)); err != nil {
		t.Fatal(err)
	}
	err = s.GetList(ctx, "/pods/", opts, &example.PodList{})
	if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Fatalf("list at a compacted revision: %v, want 410", err)
	}
}
