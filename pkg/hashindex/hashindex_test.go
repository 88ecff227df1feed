package hashindex

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

const idPath = "spec.resourceId"

// fixture is an informer's store as client-go keeps it (an Indexer with the hashed index of
// Resources' O2 id) and a Cache over it. The test changes the store directly, as the
// informer does before any event handler runs, and calls Forget where the handlers would.
type fixture struct {
	t       *testing.T
	indexer cache.Indexer
	cache   *Cache
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{Name(idPath): IndexFunc(Field(idPath))})
	return &fixture{t: t, indexer: indexer, cache: NewCache(indexer, Name(idPath), Field(idPath))}
}

func resource(ns, name, id string) *v1alpha1.O2Resource {
	return &v1alpha1.O2Resource{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1alpha1.ResourceSpec{ResourceID: id},
	}
}

func (f *fixture) add(r *v1alpha1.O2Resource) {
	f.t.Helper()
	if err := f.indexer.Add(r); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) expectGet(id string, want *v1alpha1.O2Resource) {
	f.t.Helper()
	got, ok := f.cache.Get(id)
	if want == nil {
		if ok {
			f.t.Fatalf("Get(%s) = %v, want nothing", id, got)
		}
		return
	}
	if !ok || got != want {
		f.t.Fatalf("Get(%s) = %v, %v; want %s/%s", id, got, ok, want.Namespace, want.Name)
	}
}

const (
	id1 = "0d8f2a8c-1b8f-5c1e-9d3e-3f6f7a9b2c41"
	id2 = "9b0f3a5e-7c1d-5e2f-8a4b-6c7d8e9f0a12"
)

func TestFindReadsTheStore(t *testing.T) {
	f := newFixture(t)
	a := resource("ns", "a", strings.ToUpper(id1))
	f.add(a)
	f.add(resource("ns", "b", id2))
	f.add(resource("ns", "no-id", ""))

	// Upper-case UUIDs are indexed folded, as O2 compares them.
	obj, key, n, err := Find(f.indexer, Name(idPath), Field(idPath), id1)
	if err != nil || obj != a || key != "ns/a" || n != 1 {
		t.Fatalf("Find(%s) = %v, %q, %d, %v; want ns/a, one claimant", id1, obj, key, n, err)
	}
	if obj, _, n, err := Find(f.indexer, Name(idPath), Field(idPath), "unknown"); err != nil || obj != nil || n != 0 {
		t.Fatalf("Find(unknown) = %v, %d, %v; want nothing", obj, n, err)
	}
	if obj, _, n, _ := Find(f.indexer, Name(idPath), Field(idPath), ""); obj != nil || n != 0 {
		t.Fatalf("Find(\"\") = %v, %d; want nothing (objects without an id are not indexed)", obj, n)
	}
}

func TestFindIsDeterministicWhenTwoClaimAValue(t *testing.T) {
	for _, order := range [][]string{{"ns/b", "ns/a"}, {"ns/a", "ns/b"}} {
		f := newFixture(t)
		byKey := map[string]*v1alpha1.O2Resource{}
		for _, k := range order {
			ns, name, _ := strings.Cut(k, "/")
			byKey[k] = resource(ns, name, id1)
			f.add(byKey[k])
		}
		obj, key, n, _ := Find(f.indexer, Name(idPath), Field(idPath), id1)
		if obj != byKey["ns/a"] || key != "ns/a" || n != 2 {
			t.Fatalf("added %v: Find = %q, %d claimants; want ns/a of 2", order, key, n)
		}
		// Ambiguous values are never remembered: every lookup answers from the store.
		f.expectGet(id1, byKey["ns/a"])
		if f.cache.Len() != 0 {
			t.Fatalf("cache remembers %d values, want 0 for an ambiguous one", f.cache.Len())
		}
	}
}

func TestCacheFollowsTheStore(t *testing.T) {
	f := newFixture(t)
	f.expectGet(id1, nil)

	// Found as soon as the store has it: no event handler has run.
	a := resource("ns", "a", id1)
	f.add(a)
	f.expectGet(id1, a)
	f.expectGet(strings.ToUpper(id1), nil) // callers fold (source.IndexValue)

	// An update stores a new object at the key: the lookup answers it, not the one remembered.
	a2 := resource("ns", "a", id1)
	a2.Labels = map[string]string{"changed": "yes"}
	if err := f.indexer.Update(a2); err != nil {
		t.Fatal(err)
	}
	f.expectGet(id1, a2)

	// Re-created at the same key with another id: the old id is gone, the new one found.
	b := resource("ns", "a", id2)
	if err := f.indexer.Update(b); err != nil {
		t.Fatal(err)
	}
	f.expectGet(id1, nil)
	f.expectGet(id2, b)

	// Deleted: not found, before any handler ran.
	if err := f.indexer.Delete(b); err != nil {
		t.Fatal(err)
	}
	f.expectGet(id2, nil)
	if f.cache.Len() != 0 {
		t.Fatalf("cache remembers %d values after every object went, want 0", f.cache.Len())
	}
}

func TestForget(t *testing.T) {
	f := newFixture(t)
	b := resource("ns", "b", id1)
	f.add(b)
	f.expectGet(id1, b)

	// A resync (the same object again) keeps its entry.
	f.cache.Forget(b, false)
	if f.cache.Len() != 1 {
		t.Fatalf("cache remembers %d values, want 1", f.cache.Len())
	}
	// An update stores a new object: the entry goes, so it keeps the old one alive no longer.
	b2 := resource("ns", "b", id1)
	if err := f.indexer.Update(b2); err != nil {
		t.Fatal(err)
	}
	f.cache.Forget(b2, false)
	if f.cache.Len() != 0 {
		t.Fatalf("cache remembers %d values after an update, want 0", f.cache.Len())
	}
	f.expectGet(id1, b2)
	b = b2

	// A second object claims the id (a misbehaving writer): once the handlers see it, the
	// answer is the deterministic one.
	a := resource("ns", "a", id1)
	f.add(a)
	f.cache.Forget(a, false)
	f.expectGet(id1, a)

	// A delete drops the entry, also as a tombstone of a missed delete.
	f.cache.Forget(cache.DeletedFinalStateUnknown{Key: "ns/a", Obj: a}, true)
	if f.cache.Len() != 0 {
		t.Fatalf("cache remembers %d values after the delete, want 0", f.cache.Len())
	}
}

func TestCacheHitAllocatesNothing(t *testing.T) {
	f := newFixture(t)
	for i := range 100 {
		f.add(resource("ns", fmt.Sprintf("r%03d", i), fmt.Sprintf("%08x-1b8f-5c1e-9d3e-3f6f7a9b2c41", i)))
	}
	id := fmt.Sprintf("%08x-1b8f-5c1e-9d3e-3f6f7a9b2c41", 42)
	if _, ok := f.cache.Get(id); !ok {
		t.Fatal("not found")
	}
	if n := testing.AllocsPerRun(100, func() { f.cache.Get(id) }); n != 0 {
		t.Fatalf("a remembered lookup allocates %.0f times, want 0", n)
	}
}

func TestBucketSpreadsValues(t *testing.T) {
	seen := map[string]int{}
	for i := range 10 * Buckets {
		b := Bucket(fmt.Sprintf("%08x-1b8f-5c1e-9d3e-3f6f7a9b2c41", i))
		if b != Bucket(fmt.Sprintf("%08x-1b8f-5c1e-9d3e-3f6f7a9b2c41", i)) {
			t.Fatal("Bucket is not stable")
		}
		seen[b]++
	}
	if len(seen) != Buckets {
		t.Fatalf("%d ids fell in %d buckets, want all %d used", 10*Buckets, len(seen), Buckets)
	}
	for b, n := range seen {
		if n > 40 {
			t.Fatalf("bucket %s holds %d of %d ids (10 on average)", b, n, 10*Buckets)
		}
	}
}

// BenchmarkIndexMemory reports the live heap an index of N unique ids costs per object:
// client-go's index by value against the hashed index.
//
//	go test -run '^$' -bench BenchmarkIndexMemory ./pkg/hashindex/
func BenchmarkIndexMemory(b *testing.B) {
	const n = 10000
	objs := make([]*v1alpha1.O2Resource, n)
	for i := range objs {
		objs[i] = resource("ns", fmt.Sprintf("r%06d", i), fmt.Sprintf("%08x-1b8f-5c1e-9d3e-3f6f7a9b2c41", i))
	}
	for _, tc := range []struct {
		name  string
		index cache.IndexFunc
	}{
		{"exact", func(obj any) ([]string, error) { return []string{obj.(*v1alpha1.O2Resource).Spec.ResourceID}, nil }},
		{"hashed", IndexFunc(Field(idPath))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				store := func(indexers cache.Indexers) int64 {
					base := liveHeap()
					indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, indexers)
					for _, o := range objs {
						_ = indexer.Add(o)
					}
					size := int64(liveHeap()) - int64(base)
					runtime.KeepAlive(indexer)
					return size
				}
				with, without := store(cache.Indexers{"id": tc.index}), store(cache.Indexers{})
				b.ReportMetric(float64(with-without)/n, "index-bytes/object")
			}
		})
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
