package readcache

import (
	"context"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unique"
	"unsafe"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/apis/example"

	"github.com/netweave-io/netweave/apis/o2ims"
)

// decodedResource is a Resource as decoding gives it: every string and raw value its own copy.
func decodedResource(name, description string) *o2ims.O2Resource {
	c := strings.Clone
	return &o2ims.O2Resource{
		ObjectMeta: metav1.ObjectMeta{
			Name: c(name), Namespace: c("tenant-a"), UID: types.UID("uid-" + c(name)), ResourceVersion: c("17"),
			Labels:      map[string]string{c("pool"): c("east")},
			Annotations: map[string]string{c("o2ims.oran.org/source"): c("sync")},
		},
		Spec: o2ims.ResourceSpec{
			ResourceID: "id-" + c(name), ResourcePoolID: c("pool-1"), ResourceTypeID: c("type-1"),
			Description: c(description), Tags: []string{c("ran"), c("du")},
			Elements:   []o2ims.ResourceElement{{ResourceTypeID: c("type-2")}},
			Extensions: o2ims.Extensions{c("arch"): {Raw: []byte(`"amd64"`)}, c("capacity"): {Raw: []byte(`{"cpu":"64"}`)}},
		},
	}
}

func same(a, b string) bool { return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b) }

// mapKey is the key of m equal to want, as m stores it.
func mapKey[V any](t *testing.T, m map[string]V, want string) string {
	t.Helper()
	for k := range m {
		if k == want {
			return k
		}
	}
	t.Fatalf("no key %q", want)
	return ""
}

// Two cached Resources with equal pool, type, tags, namespace and extensions share one copy of
// each of those strings and raw values; what is unique per object (name, uid, resourceVersion)
// is left alone, and nothing of either object changes but where its strings live.
func TestInternStringsSharesRepeatedStrings(t *testing.T) {
	// Hold the canonical copies for the test's length: unique.Make keeps one only while a
	// Handle is held, and a collection between the two objects would otherwise make two.
	held := []unique.Handle[string]{unique.Make("tenant-a"), unique.Make("pool-1"), unique.Make("type-1"),
		unique.Make("type-2"), unique.Make("ran"), unique.Make("arch"), unique.Make(`"amd64"`),
		unique.Make("o2ims.oran.org/source"), unique.Make("sync"), unique.Make("17")}
	defer runtime.KeepAlive(held)

	intern := internerFor(reflect.TypeFor[*o2ims.O2Resource]())
	if intern == nil {
		t.Fatal("no interning for Resource")
	}
	a, b := decodedResource("a", "rack 1"), decodedResource("b", "rack 1")
	wantA, wantB := a.DeepCopy(), b.DeepCopy()
	labelsA := reflect.ValueOf(a.Labels).Pointer()
	nameA, rvA, rvB := a.Name, a.ResourceVersion, b.ResourceVersion
	intern(reflect.ValueOf(a))
	intern(reflect.ValueOf(b))

	if !apiequality.Semantic.DeepEqual(a, wantA) || !apiequality.Semantic.DeepEqual(b, wantB) {
		t.Fatalf("interning changed an object:\n%+v\n%+v", a, b)
	}
	for what, pair := range map[string][2]string{
		"namespace":                  {a.Namespace, b.Namespace},
		"resourcePoolId":             {a.Spec.ResourcePoolID, b.Spec.ResourcePoolID},
		"resourceTypeId":             {a.Spec.ResourceTypeID, b.Spec.ResourceTypeID},
		"description":                {a.Spec.Description, b.Spec.Description},
		"tags[0]":                    {a.Spec.Tags[0], b.Spec.Tags[0]},
		"elements[0].resourceTypeId": {a.Spec.Elements[0].ResourceTypeID, b.Spec.Elements[0].ResourceTypeID},
		"extension key":              {mapKey(t, a.Spec.Extensions, "arch"), mapKey(t, b.Spec.Extensions, "arch")},
		"extension value":            {string(a.Spec.Extensions["arch"].Raw), string(b.Spec.Extensions["arch"].Raw)},
		"annotation value":           {a.Annotations["o2ims.oran.org/source"], b.Annotations["o2ims.oran.org/source"]},
	} {
		if what == "extension value" {
			pa, pb := unsafe.SliceData(a.Spec.Extensions["arch"].Raw), unsafe.SliceData(b.Spec.Extensions["arch"].Raw)
			if pa != pb {
				t.Errorf("%s: two copies", what)
			}
			continue
		}
		if !same(pair[0], pair[1]) {
			t.Errorf("%s %q: two copies", what, pair[0])
		}
	}
	if !same(a.Name, nameA) || !same(a.ResourceVersion, rvA) || !same(b.ResourceVersion, rvB) {
		t.Error("name or resourceVersion interned: they are unique per object")
	}
	if reflect.ValueOf(a.Labels).Pointer() != labelsA || same(mapKey(t, a.Labels, "pool"), mapKey(t, b.Labels, "pool")) {
		t.Error("labels touched: they are shared as whole maps (labels.go), never modified in place")
	}

	// A deep copy handed out gets bytes of its own: writing into it cannot reach the cache.
	out := a.DeepCopy()
	out.Spec.Extensions["arch"].Raw[1] = 'X'
	if string(b.Spec.Extensions["arch"].Raw) != `"amd64"` {
		t.Fatalf("a copy's write reached the cached bytes: %s", b.Spec.Extensions["arch"].Raw)
	}
}

// Long values rarely repeat and are left alone; so is a type without strings; a recursive type
// is walked without looping.
func TestInternStringsBounds(t *testing.T) {
	long := strings.Repeat("x", maxInterned+1)
	r := decodedResource("a", long)
	before := r.Spec.Description
	internerFor(reflect.TypeFor[*o2ims.O2Resource]())(reflect.ValueOf(r))
	if !same(r.Spec.Description, before) {
		t.Error("a string longer than maxInterned was interned")
	}
	if f := internerFor(reflect.TypeFor[*struct{ N int }]()); f != nil {
		t.Error("a type without strings got an interning function")
	}
	type node struct {
		Name string
		Next *node
		Kids map[string]*node
	}
	held := unique.Make("leaf")
	defer runtime.KeepAlive(held)
	list := &node{Name: strings.Clone("leaf"), Next: &node{Name: strings.Clone("leaf")}, Kids: map[string]*node{"k": {Name: strings.Clone("leaf")}}}
	internerFor(reflect.TypeFor[*node]())(reflect.ValueOf(list))
	if !same(list.Name, list.Next.Name) || !same(list.Name, list.Kids["k"].Name) {
		t.Error("a recursive type's strings were not interned")
	}
}

// Through the cache: objects created separately are decoded separately from the store's watch,
// and the cached objects share their repeated strings.
func TestCacheInternsDecodedObjects(t *testing.T) {
	held := unique.Make("node-1")
	defer runtime.KeepAlive(held)
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	for _, name := range []string{"p", "q"} {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Spec: example.PodSpec{NodeName: "node-1"}}
		if err := f.cache.Create(ctx, "/pods/ns/"+name, pod, &example.Pod{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	objs, _, err := f.cache.ListShared(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 {
		t.Fatalf("%d cached objects, want 2", len(objs))
	}
	p, q := objs[0].(*example.Pod), objs[1].(*example.Pod)
	if !same(p.Spec.NodeName, q.Spec.NodeName) || !same(p.Namespace, q.Namespace) {
		t.Error("cached objects keep a copy each of their node name and namespace")
	}
	if same(p.Name, q.Name) {
		t.Fatal("names differ, they cannot share")
	}
}

// The cost the cache adds to every object it decodes from the store's watch.
func BenchmarkInternStrings(b *testing.B) {
	intern := internerFor(reflect.TypeFor[*o2ims.O2Resource]())
	objs := make([]*o2ims.O2Resource, 1024)
	for i := range objs {
		objs[i] = decodedResource("a", "rack 1")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		intern(reflect.ValueOf(objs[i%len(objs)]))
	}
}
