package redis

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// Run with:
//
//	go test ./pkg/storage/redis -run '^$' -bench . -benchtime 2000x
//
// and the etcd3 comparison with -tags etcdbench (see etcd_bench_test.go).

const benchListSize = 500

func BenchmarkRedisStore(b *testing.B) {
	env := newTestEnv(b)
	runStoreBenchmarks(b, func(b *testing.B) storage.Interface { return env.newStore(b, withHistoryLength(10000)) })
}

// BenchmarkRedisStoreByteTrimmed runs the same operations with a history whose byte bound
// (256 KiB) binds long before its count, so every write pays for byte trimming.
func BenchmarkRedisStoreByteTrimmed(b *testing.B) {
	env := newTestEnv(b)
	runStoreBenchmarks(b, func(b *testing.B) storage.Interface {
		return env.newStore(b, withHistoryLength(1000000), withHistoryBytes(256<<10))
	})
}

// runStoreBenchmarks measures the operations the API server issues per
// request against any storage.Interface, so backends compare like for like.
func runStoreBenchmarks(b *testing.B, newStore func(*testing.B) storage.Interface) {
	ctx := context.Background()
	b.Run("Create", func(b *testing.B) {
		s := newStore(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			pod := benchPod(i)
			if err := s.Create(ctx, benchKey(pod), pod, &example.Pod{}, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Update", func(b *testing.B) {
		s := newStore(b)
		pod := benchPod(0)
		if err := s.Create(ctx, benchKey(pod), pod, &example.Pod{}, 0); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			err := s.GuaranteedUpdate(ctx, benchKey(pod), &example.Pod{}, false, nil,
				storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
					p := obj.(*example.Pod)
					p.Labels = map[string]string{"generation": fmt.Sprint(i)}
					return p, nil
				}), nil)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	// CreateWatched is a create and its event reaching a watch opened before: what a
	// controller waiting on its own write, or a client watching a rarely written resource,
	// sees (the watch reader wakes for each change).
	b.Run("CreateWatched", func(b *testing.B) {
		s := newStore(b)
		w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: "", Predicate: storage.Everything, Recursive: true})
		if err != nil {
			b.Fatal(err)
		}
		defer w.Stop()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			pod := benchPod(i)
			if err := s.Create(ctx, benchKey(pod), pod, &example.Pod{}, 0); err != nil {
				b.Fatal(err)
			}
			if ev, ok := <-w.ResultChan(); !ok || ev.Type != watch.Added {
				b.Fatalf("event %d: %v %v", i, ev.Type, ok)
			}
		}
	})
	b.Run("Get", func(b *testing.B) {
		s := newStore(b)
		pod := benchPod(0)
		if err := s.Create(ctx, benchKey(pod), pod, &example.Pod{}, 0); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := s.Get(ctx, benchKey(pod), storage.GetOptions{}, &example.Pod{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("List%d", benchListSize), func(b *testing.B) {
		s := newStore(b)
		for i := 0; i < benchListSize; i++ {
			pod := benchPod(i)
			if err := s.Create(ctx, benchKey(pod), pod, &example.Pod{}, 0); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			list := &example.PodList{}
			if err := s.GetList(ctx, "/pods/", storage.ListOptions{Predicate: storage.Everything, Recursive: true}, list); err != nil {
				b.Fatal(err)
			}
			if len(list.Items) != benchListSize {
				b.Fatalf("listed %d, want %d", len(list.Items), benchListSize)
			}
		}
	})
}

func benchPod(i int) *example.Pod {
	return &example.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: fmt.Sprintf("ns-%d", i%10),
			Name:      fmt.Sprintf("pod-%06d", i),
			Labels:    map[string]string{"app": "bench", "tier": fmt.Sprint(i % 3)},
		},
		Spec: example.PodSpec{NodeName: fmt.Sprintf("node-%d", i%50), ServiceAccountName: "default"},
	}
}

func benchKey(p *example.Pod) string { return fmt.Sprintf("/pods/%s/%s", p.Namespace, p.Name) }
