package readcache

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"
)

// TestMetricsMove: a cache counts its hits and misses in the metrics it is given, gathered
// from the registry they were registered with.
func TestMetricsMove(t *testing.T) {
	env := newTestEnv(t)
	f := env.newFixture(t)
	registry := metrics.NewKubeRegistry()
	m, err := NewMetrics(registry.Register)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{
		Storage:        f.store,
		ResourcePrefix: "/pods/",
		KeyFunc:        podKey,
		NewFunc:        func() runtime.Object { return &example.Pod{} },
		NewListFunc:    func() runtime.Object { return &example.PodList{} },
		GroupResource:  schema.GroupResource{Resource: "pods"},
		Metrics:        m,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	ctx := context.Background()
	out := &example.Pod{}
	if err := c.Create(ctx, "/pods/ns/p", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}}, out, 0); err != nil {
		t.Fatal(err)
	}
	// A consistent read waits for the cache to catch up and is answered from memory.
	if err := c.Get(ctx, "/pods/ns/p", storage.GetOptions{}, out); err != nil {
		t.Fatal(err)
	}
	// An exact revision the cache does not keep is read from the store.
	list := &example.PodList{}
	if err := c.GetList(ctx, "/pods/", storage.ListOptions{
		ResourceVersion: out.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact,
		Recursive: true, Predicate: storage.Everything,
	}, list); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"netweave_storage_cache_hits_total": "get", "netweave_storage_cache_misses_total": "list"} {
		got, err := testutil.GetCounterValuesFromGatherer(registry, name, map[string]string{"resource": "pods"}, "verb")
		if err != nil || got[want] < 1 {
			t.Errorf("%s{verb=%q}: %v (%v), want at least 1", name, want, got, err)
		}
	}
}
