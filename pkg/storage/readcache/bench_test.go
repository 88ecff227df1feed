package readcache

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// Run with:
//
//	go test ./pkg/storage/readcache -run '^$' -bench . -benchtime 2000x
//
// Each read is measured through the cache and straight against the Redis
// store under it, on the same data.

const benchListSize = 500

func BenchmarkCacheReads(b *testing.B) {
	env := newTestEnv(b)
	ctx := context.Background()
	c, s := newIndexedCache(b, env)
	for i := range benchListSize {
		pod := &example.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns-%d", i%10), Name: fmt.Sprintf("pod-%06d", i),
				Labels: map[string]string{"app": "bench", "tier": fmt.Sprint(i % 3)}},
			Spec: example.PodSpec{NodeName: fmt.Sprintf("id-%06d", i), ServiceAccountName: "default"},
		}
		if err := c.Create(ctx, fmt.Sprintf("/pods/%s/%s", pod.Namespace, pod.Name), pod, &example.Pod{}, 0); err != nil {
			b.Fatal(err)
		}
	}
	const key = "/pods/ns-7/pod-000007"
	byID := storage.SelectionPredicate{
		Label: labels.Everything(),
		Field: fields.OneTermEqualSelector("spec.nodeName", "id-000007"),
		GetAttrs: func(obj runtime.Object) (labels.Set, fields.Set, error) {
			pod := obj.(*example.Pod)
			return labels.Set(pod.Labels), fields.Set{"spec.nodeName": pod.Spec.NodeName}, nil
		},
	}
	everything := storage.ListOptions{Predicate: storage.Everything, Recursive: true}

	for _, backend := range []struct {
		name string
		s    storage.Interface
	}{{"Cache", c}, {"Redis", s}} {
		for _, rv := range []string{"", "0"} {
			name := "consistent"
			if rv == "0" {
				name = "rv0"
			}
			b.Run(fmt.Sprintf("%s/Get/%s", backend.name, name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := backend.s.Get(ctx, key, storage.GetOptions{ResourceVersion: rv}, &example.Pod{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("%s/List%d/%s", backend.name, benchListSize, name), func(b *testing.B) {
				opts := everything
				opts.ResourceVersion = rv
				b.ReportAllocs()
				for b.Loop() {
					list := &example.PodList{}
					if err := backend.s.GetList(ctx, "/pods/", opts, list); err != nil {
						b.Fatal(err)
					}
					if len(list.Items) != benchListSize {
						b.Fatalf("listed %d, want %d", len(list.Items), benchListSize)
					}
				}
			})
			b.Run(fmt.Sprintf("%s/ListByID/%s", backend.name, name), func(b *testing.B) {
				opts := storage.ListOptions{Predicate: byID, Recursive: true, ResourceVersion: rv}
				b.ReportAllocs()
				for b.Loop() {
					list := &example.PodList{}
					if err := backend.s.GetList(ctx, "/pods/", opts, list); err != nil {
						b.Fatal(err)
					}
					if len(list.Items) != 1 {
						b.Fatalf("listed %d, want 1", len(list.Items))
					}
				}
			})
		}
	}
}
