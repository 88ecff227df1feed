package readcache

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestRegressionReadRacingResetIsNotServedFromEmptiedCache: a read that found the cache fresh
// (waitFor) and then read it after a reset emptied it (the store went back, or the cache's
// watch failed) answered 404 for an object the store holds, or an empty list at the old
// revision. The reset is made to run between the two (Cache.afterFresh).
func TestRegressionReadRacingResetIsNotServedFromEmptiedCache(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "kept"}}
	if err := f.cache.Create(ctx, "/pods/ns/kept", pod, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.cache.Get(ctx, "/pods/ns/kept", storage.GetOptions{ResourceVersion: ""}, &example.Pod{}); err != nil {
		t.Fatal(err)
	}

	// The reset comes in right after the read found the cache fresh, once.
	race := func(read func() error) error {
		c := f.cache
		c.afterFresh = func() {
			c.afterFresh = nil
			c.storeWentBack()
		}
		return read()
	}

	if err := race(func() error {
		return f.cache.Get(ctx, "/pods/ns/kept", storage.GetOptions{ResourceVersion: "0"}, &example.Pod{})
	}); err != nil {
		t.Fatalf("get racing a reset: %v", err)
	}
	// The cache relists once its watch ends; a fresh fixture for the list.
	f = env.newFixture(t)
	if err := f.cache.Create(ctx, "/pods/ns/kept", pod.DeepCopy(), &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.cache.Get(ctx, "/pods/ns/kept", storage.GetOptions{ResourceVersion: ""}, &example.Pod{}); err != nil {
		t.Fatal(err)
	}
	list := &example.PodList{}
	if err := race(func() error {
		return f.cache.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: "0", Predicate: storage.Everything, Recursive: true}, list)
	}); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Fatalf("list racing a reset: %d items at resourceVersion %s, want the stored pod", len(list.Items), list.ResourceVersion)
	}
}
