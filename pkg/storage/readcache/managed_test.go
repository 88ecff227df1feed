package readcache

import (
	"context"
	"reflect"
	"testing"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/utils/ptr"
)

func managedBy(manager, fields string) []metav1.ManagedFieldsEntry {
	return []metav1.ManagedFieldsEntry{{
		Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "example.apiserver.k8s.io/v1",
		FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(fields),
	}}
}

// The cache keeps managedFields beside its objects: every copy it hands out (Get, GetList,
// the suggestion of an update) has them, the objects it shares with in-process readers do not,
// and nothing a caller does to a copy reaches the cache.
func TestManagedFieldsKeptBesideObjects(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	const key = "/pods/ns/p"
	first := managedBy("creator", `{"f:metadata":{"f:labels":{".":{},"f:a":{}}}}`)
	created := &example.Pod{}
	if err := f.cache.Create(ctx, key, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p",
		Labels: map[string]string{"a": "1"}, ManagedFields: first}}, created, 0); err != nil {
		t.Fatal(err)
	}
	expect := func(what string, got, want []metav1.ManagedFieldsEntry) {
		t.Helper()
		if !apiequality.Semantic.DeepEqual(got, want) {
			t.Fatalf("%s: managedFields %+v, want %+v", what, got, want)
		}
	}
	get := func() *example.Pod {
		t.Helper()
		var pod example.Pod
		if err := f.cache.Get(ctx, key, storage.GetOptions{}, &pod); err != nil {
			t.Fatal(err)
		}
		return &pod
	}
	pod := get()
	expect("Get", pod.ManagedFields, first)
	var list example.PodList
	if err := f.cache.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Fatalf("GetList: %d items, want 1", len(list.Items))
	}
	expect("GetList", list.Items[0].ManagedFields, first)

	// A caller changing its copy changes nothing in the cache.
	pod.ManagedFields[0].Manager = "changed"
	pod.ManagedFields[0].FieldsV1.SetRawString("{}")
	expect("Get after a caller changed its copy", get().ManagedFields, first)

	// The shared objects carry none (the informers drop them anyway).
	shared, _, err := f.cache.ListShared(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(shared) != 1 || shared[0].(*example.Pod).ManagedFields != nil {
		t.Fatalf("shared objects %+v, want one without managedFields", shared)
	}

	// An update starts from the cached object with its managedFields, and replaces them.
	second := managedBy("updater", `{"f:metadata":{"f:labels":{"f:b":{}}}}`)
	var updated example.Pod
	if err := f.cache.GuaranteedUpdate(ctx, key, &updated, false, nil, func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
		existing := in.(*example.Pod)
		expect("the object an update starts from", existing.ManagedFields, first)
		out := existing.DeepCopy()
		out.Labels["b"] = "2"
		out.ManagedFields = append(out.ManagedFields, second...)
		return out, nil, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	expect("Get after the update", get().ManagedFields, append(first, second...))

	// An update dropping them all leaves nothing behind, nor does a delete.
	if err := f.cache.GuaranteedUpdate(ctx, key, &updated, false, nil, func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
		out := in.(*example.Pod).DeepCopy()
		out.ManagedFields = nil
		return out, nil, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	expect("Get after managedFields were dropped", get().ManagedFields, nil)
	f.cache.mu.RLock()
	n := len(f.cache.managed)
	f.cache.mu.RUnlock()
	if n != 0 {
		t.Fatalf("cache keeps managedFields of %d objects, want 0", n)
	}
}

// The initial list of the store moves managedFields beside the objects too.
func TestManagedFieldsOfTheInitialList(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	want := managedBy("creator", `{"f:metadata":{"f:labels":{}}}`)
	// Written to the store directly, then a second cache lists it.
	if err := f.store.Create(ctx, "/pods/ns/p", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", ManagedFields: want}}, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	second := env.newFixtureOver(t, f.store)
	var pod example.Pod
	if err := second.Get(ctx, "/pods/ns/p", storage.GetOptions{}, &pod); err != nil {
		t.Fatal(err)
	}
	if !apiequality.Semantic.DeepEqual(pod.ManagedFields, want) {
		t.Fatalf("Get: managedFields %+v, want %+v", pod.ManagedFields, want)
	}
	shared, _, err := second.ListShared(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(shared) != 1 || shared[0].(*example.Pod).ManagedFields != nil {
		t.Fatalf("shared objects %+v, want one without managedFields", shared)
	}
}

// Objects whose managedFields name the same fields share one copy of them in the cache, kept
// as long as an object uses it; every copy handed out is still the caller's own.
func TestManagedFieldsShared(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	same := `{"f:metadata":{"f:labels":{".":{},"f:a":{}}}}`
	// Each object written at its own time: the entries are shared, the times each object's.
	written := map[string]metav1.Time{}
	for i, name := range []string{"p1", "p2", "p3"} {
		mf := managedBy("creator", same)
		written[name] = metav1.NewTime(time.Unix(1796000000+int64(i), 0))
		mf[0].Time = ptr.To(written[name])
		if err := f.cache.Create(ctx, "/pods/ns/"+name, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name,
			Labels: map[string]string{"a": "1"}, ManagedFields: mf}}, &example.Pod{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	get := func(name string) *example.Pod {
		t.Helper()
		var pod example.Pod
		if err := f.cache.Get(ctx, "/pods/ns/"+name, storage.GetOptions{}, &pod); err != nil {
			t.Fatal(err)
		}
		return &pod
	}
	// distinct counts the fieldsV1 and the entries (without times) the cache holds.
	distinct := func() (n, shapes int, p1, p2 *metav1.FieldsV1) {
		f.cache.mu.RLock()
		defer f.cache.mu.RUnlock()
		if mf := f.cache.managed["/pods/ns/p1"]; len(mf.entries) > 0 {
			p1 = mf.entries[0].FieldsV1
		}
		if mf := f.cache.managed["/pods/ns/p2"]; len(mf.entries) > 0 {
			p2 = mf.entries[0].FieldsV1
		}
		return f.cache.managedShared.fields.len(), f.cache.managedShared.shapes.len(), p1, p2
	}
	get("p3") // waits for the cache to have every create
	if n, shapes, a, b := distinct(); n != 1 || shapes != 1 || a != b {
		t.Fatalf("%d distinct fieldsV1 (shared: %v) and %d distinct entries held, want 1 of each shared by every object", n, a == b, shapes)
	}
	for name, at := range written {
		if got := get(name).ManagedFields; len(got) != 1 || got[0].Time == nil || !got[0].Time.Equal(&at) {
			t.Fatalf("%s: managedFields %+v, want its own time %s", name, got, at)
		}
	}

	// A caller's copy is its own.
	p1 := get("p1")
	p1.ManagedFields[0].FieldsV1.SetRawString("{}")
	if got := get("p2").ManagedFields[0].FieldsV1.GetRawString(); got != same {
		t.Fatalf("p2's fieldsV1 %s after a caller changed p1's copy, want %s", got, same)
	}

	// p1 changes its fields: two distinct ones; p2 and p3 go: one left, then none.
	if err := f.cache.GuaranteedUpdate(ctx, "/pods/ns/p1", &example.Pod{}, false, nil, func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
		out := in.(*example.Pod).DeepCopy()
		out.ManagedFields = managedBy("creator", `{"f:metadata":{"f:labels":{}}}`)
		return out, nil, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	get("p1")
	if n, shapes, _, _ := distinct(); n != 2 || shapes != 2 {
		t.Fatalf("%d distinct fieldsV1 and %d distinct entries held, want 2 of each", n, shapes)
	}
	if got := get("p2").ManagedFields; len(got) != 1 || got[0].Time == nil || !got[0].Time.Equal(ptr.To(written["p2"])) {
		t.Fatalf("p2 after p1 changed: managedFields %+v", got)
	}
	for _, name := range []string{"p2", "p3", "p1"} {
		if err := f.cache.Delete(ctx, "/pods/ns/"+name, &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var list example.PodList
	if err := f.cache.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, &list); err != nil {
		t.Fatal(err)
	}
	if n, shapes, _, _ := distinct(); len(list.Items) != 0 || n != 0 || shapes != 0 {
		t.Fatalf("%d objects, %d distinct fieldsV1 and %d distinct entries left, want none", len(list.Items), n, shapes)
	}
}

// Objects with equal labels share one label map, counted until the last goes; the copies
// handed out are the callers' own.
func TestLabelsShared(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	create := func(name string, labels map[string]string) {
		t.Helper()
		if err := f.cache.Create(ctx, "/pods/ns/"+name, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, Labels: labels}}, &example.Pod{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	create("p1", map[string]string{"pool": "a", "zone": "1"})
	create("p2", map[string]string{"zone": "1", "pool": "a"})
	create("p3", map[string]string{"pool": "b"})
	create("p4", nil)
	var list example.PodList
	if err := f.cache.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 4 {
		t.Fatalf("%d pods, want 4", len(list.Items))
	}
	sameMap := func(a, b string) bool {
		f.cache.mu.RLock()
		defer f.cache.mu.RUnlock()
		la, lb := f.cache.items["/pods/ns/"+a].(*example.Pod).Labels, f.cache.items["/pods/ns/"+b].(*example.Pod).Labels
		return reflect.ValueOf(la).UnsafePointer() == reflect.ValueOf(lb).UnsafePointer()
	}
	distinct := func() int {
		f.cache.mu.RLock()
		defer f.cache.mu.RUnlock()
		return f.cache.labels.len()
	}
	if !sameMap("p1", "p2") || sameMap("p1", "p3") || distinct() != 2 {
		t.Fatalf("p1 and p2 share: %v, p1 and p3: %v, %d distinct label sets; want equal labels shared, 2 sets",
			sameMap("p1", "p2"), sameMap("p1", "p3"), distinct())
	}

	// A caller's copy is its own.
	list.Items[0].Labels["pool"] = "changed"
	var p2 example.Pod
	if err := f.cache.Get(ctx, "/pods/ns/p2", storage.GetOptions{}, &p2); err != nil {
		t.Fatal(err)
	}
	if p2.Labels["pool"] != "a" {
		t.Fatalf("p2's labels %v after a caller changed p1's copy", p2.Labels)
	}

	// p1 relabelled, p3 deleted: p2's set and p1's new one remain.
	if err := f.cache.GuaranteedUpdate(ctx, "/pods/ns/p1", &example.Pod{}, false, nil, func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
		out := in.(*example.Pod).DeepCopy()
		out.Labels = map[string]string{"pool": "c"}
		return out, nil, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.cache.Delete(ctx, "/pods/ns/p3", &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.cache.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, &example.PodList{}); err != nil {
		t.Fatal(err) // waits for the cache to have both changes
	}
	if n := distinct(); n != 2 {
		t.Fatalf("%d distinct label sets, want 2", n)
	}
	for _, name := range []string{"p1", "p2", "p4"} {
		if err := f.cache.Delete(ctx, "/pods/ns/"+name, &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.cache.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, &example.PodList{}); err != nil {
		t.Fatal(err)
	}
	if n := distinct(); n != 0 {
		t.Fatalf("%d distinct label sets after every pod went, want 0", n)
	}
}
