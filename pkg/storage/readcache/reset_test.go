package readcache

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestWipedStoreIsNotServedStale: after FLUSHALL the cache neither lists
// objects that are gone nor misses an object written after the wipe, whose
// revision is far below anything the cache had seen.
func TestWipedStoreIsNotServedStale(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	for i := 0; i < 5; i++ {
		name := fmt.Sprintf("before-%d", i)
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
		if err := f.cache.Create(ctx, "/pods/ns/"+name, pod, &example.Pod{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	created := &example.Pod{}
	pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "after"}}
	if err := f.cache.Create(ctx, "/pods/ns/after", pod, created, 0); err != nil {
		t.Fatal(err)
	}
	for _, rv := range []string{"0", ""} {
		got := &example.Pod{}
		if err := f.cache.Get(ctx, "/pods/ns/after", storage.GetOptions{ResourceVersion: rv}, got); err != nil {
			t.Fatalf("get with resourceVersion %q right after the write: %v", rv, err)
		}
		if got.ResourceVersion != created.ResourceVersion {
			t.Fatalf("get with resourceVersion %q: rv %s, want %s", rv, got.ResourceVersion, created.ResourceVersion)
		}
		list := &example.PodList{}
		if err := f.cache.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: rv, Predicate: storage.Everything, Recursive: true}, list); err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 || list.Items[0].Name != "after" {
			t.Fatalf("list with resourceVersion %q after the wipe: %v", rv, list.Items)
		}
	}
}
