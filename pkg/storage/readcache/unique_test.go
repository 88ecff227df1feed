package readcache

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/apitesting"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"

	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// nodeNameIndex stands in for an O2 id (see the redis package's tests).
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

// newIndexedCache is a store and a cache sharing the unique index, as the
// server wires them.
func newIndexedCache(t testing.TB, env *testEnv) (*Cache, *redisstore.Store) {
	idx := nodeNameIndex
	s, err := redisstore.New(redisstore.Config{
		Client:            env.client,
		Codec:             apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion),
		NewFunc:           func() runtime.Object { return &example.Pod{} },
		NewListFunc:       func() runtime.Object { return &example.PodList{} },
		InstallPrefix:     fmt.Sprintf("cache-unique-%d", env.prefixes.Add(1)),
		ResourcePrefix:    "/pods/",
		GroupResource:     schema.GroupResource{Resource: "pods"},
		UniqueIndex:       &idx,
		WatchPollInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return startIndexedCache(t, s), s
}

func startIndexedCache(t testing.TB, s storage.Interface) *Cache {
	idx := nodeNameIndex
	c, err := New(Config{
		Storage:        s,
		ResourcePrefix: "/pods/",
		KeyFunc:        podKey,
		NewFunc:        func() runtime.Object { return &example.Pod{} },
		NewListFunc:    func() runtime.Object { return &example.PodList{} },
		GroupResource:  schema.GroupResource{Resource: "pods"},
		UniqueIndex:    &idx,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	if err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, wait.ForeverTestTimeout, true,
		func(context.Context) (bool, error) { return c.Ready(), nil }); err != nil {
		t.Fatalf("cache never became ready: %v", err)
	}
	return c
}

func createPodWithID(ctx context.Context, t testing.TB, c storage.Interface, ns, name, id string) {
	t.Helper()
	obj := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: example.PodSpec{NodeName: id}}
	if err := c.Create(ctx, fmt.Sprintf("/pods/%s/%s", ns, name), obj, &example.Pod{}, 0); err != nil {
		t.Fatalf("create %s/%s: %v", ns, name, err)
	}
}

// countingPredicate selects by field and counts the objects it inspects,
// which tells an index lookup (one object) from a scan (all of them).
func countingPredicate(selector string, inspected *atomic.Int64) storage.SelectionPredicate {
	return storage.SelectionPredicate{
		Label: labels.Everything(),
		Field: fields.ParseSelectorOrDie(selector),
		GetAttrs: func(obj runtime.Object) (labels.Set, fields.Set, error) {
			inspected.Add(1)
			pod := obj.(*example.Pod)
			return labels.Set(pod.Labels), fields.Set{
				"metadata.name":      pod.Name,
				"metadata.namespace": pod.Namespace,
				"spec.nodeName":      pod.Spec.NodeName,
			}, nil
		},
	}
}

func listNames(ctx context.Context, t *testing.T, c *Cache, key string, recursive bool, selector string) (names []string, inspected int64) {
	t.Helper()
	var n atomic.Int64
	list := &example.PodList{}
	opts := storage.ListOptions{Predicate: countingPredicate(selector, &n), Recursive: recursive}
	if err := c.GetList(ctx, key, opts, list); err != nil {
		t.Fatalf("list %s %q: %v", key, selector, err)
	}
	for _, p := range list.Items {
		names = append(names, p.Namespace+"/"+p.Name)
	}
	return names, n.Load()
}

func TestListByUniqueFieldUsesTheIndex(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	c, _ := newIndexedCache(t, env)
	const pods = 50
	for i := range pods {
		createPodWithID(ctx, t, c, fmt.Sprintf("ns-%d", i%2), fmt.Sprintf("p%d", i), fmt.Sprintf("id-%d", i))
	}

	for _, tc := range []struct {
		name, key, selector string
		recursive           bool
		want                []string
		wantInspected       int64
	}{
		{"whole resource", "/pods/", "spec.nodeName=id-7", true, []string{"ns-1/p7"}, 1},
		{"with other terms", "/pods/", "metadata.namespace=ns-1,spec.nodeName=id-7", true, []string{"ns-1/p7"}, 1},
		{"holder in another namespace", "/pods/ns-0/", "spec.nodeName=id-7", true, nil, 0},
		{"single key", "/pods/ns-1/p7", "spec.nodeName=id-7", false, []string{"ns-1/p7"}, 1},
		{"unknown id", "/pods/", "spec.nodeName=nope", true, nil, 0},
		// The index finds the holder regardless of case; the selector itself
		// is case-sensitive, exactly as when the list is a scan.
		{"other case", "/pods/", "spec.nodeName=ID-7", true, nil, 1},
		{"not an exact match: scan", "/pods/", "spec.nodeName!=id-7", true, nil, pods},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, inspected := listNames(ctx, t, c, tc.key, tc.recursive, tc.selector)
			if tc.name == "not an exact match: scan" {
				if len(got) != pods-1 || inspected != pods {
					t.Fatalf("scan returned %d items inspecting %d, want %d inspecting %d", len(got), inspected, pods-1, pods)
				}
				return
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || inspected != tc.wantInspected {
				t.Fatalf("got %v inspecting %d objects, want %v inspecting %d", got, inspected, tc.want, tc.wantInspected)
			}
		})
	}
}

func TestUniqueIndexFollowsUpdatesAndDeletes(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	c, s := newIndexedCache(t, env)
	createPodWithID(ctx, t, c, "ns", "a", "id-a")

	moveTo := func(id string) storage.UpdateFunc {
		return func(input runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			pod := input.(*example.Pod).DeepCopy()
			pod.Spec.NodeName = id
			return pod, nil, nil
		}
	}
	// Written straight to the store: the cache learns of it only through
	// its watch, which is what keeps the index right for other replicas.
	if err := s.GuaranteedUpdate(ctx, "/pods/ns/a", &example.Pod{}, false, nil, moveTo("id-b"), nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := listNames(ctx, t, c, "/pods/", true, "spec.nodeName=id-a"); len(got) != 0 {
		t.Fatalf("old id still finds %v", got)
	}
	if got, _ := listNames(ctx, t, c, "/pods/", true, "spec.nodeName=id-b"); fmt.Sprint(got) != "[ns/a]" {
		t.Fatalf("new id finds %v, want [ns/a]", got)
	}
	if err := s.Delete(ctx, "/pods/ns/a", &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := listNames(ctx, t, c, "/pods/", true, "spec.nodeName=id-b"); len(got) != 0 {
		t.Fatalf("deleted object still found: %v", got)
	}
	// A cache started over existing objects builds the index from its
	// initial list.
	createPodWithID(ctx, t, s, "ns", "c", "id-c")
	fresh := startIndexedCache(t, s)
	if got, inspected := listNames(ctx, t, fresh, "/pods/", true, "spec.nodeName=id-c"); fmt.Sprint(got) != "[ns/c]" || inspected != 1 {
		t.Fatalf("fresh cache: got %v inspecting %d, want [ns/c] inspecting 1", got, inspected)
	}
}
