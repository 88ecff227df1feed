package readcache

import (
	"fmt"
	"unique"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The cached objects carry no managedFields: the cache keeps them beside the objects, by key,
// and puts them back on every copy it hands out (Get, GetList, the suggestion of
// GuaranteedUpdate and Delete), so what the API serves and what server-side apply reads are
// unchanged. The objects the shared reads hand the process's informers (which drop
// managedFields anyway) then need no copy of their own without them: the informers can read
// the cache's objects themselves (pkg/storage/cachefeed).
//
// Kept apart, managedFields are also deduplicated: objects written by the same managers with
// the same fields set (every Resource the inventory sync writes, every object of a bulk
// create) have byte-identical fieldsV1, which the cache keeps once (fieldsTable), and the
// managers' names, API versions and operations are interned (unique.Make). Nothing outside
// the cache ever sees these entries but through a deep copy, so sharing them is invisible.

// takeManagedFields removes obj's managedFields and returns them. obj must be the cache's
// own (just decoded from the store's watch, not yet shared).
func takeManagedFields(obj runtime.Object) ([]metav1.ManagedFieldsEntry, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	mf := m.GetManagedFields()
	if mf != nil {
		m.SetManagedFields(nil)
	}
	return mf, nil
}

// withManagedFields sets a deep copy of managed as copied's managedFields and returns copied.
// The cache never changes an entry it holds (a change replaces the key's whole slice), so
// callers may copy after releasing c.mu.
func withManagedFields(copied runtime.Object, managed []metav1.ManagedFieldsEntry) runtime.Object {
	if len(managed) == 0 {
		return copied
	}
	m, err := meta.Accessor(copied)
	if err != nil {
		return copied
	}
	out := make([]metav1.ManagedFieldsEntry, len(managed))
	for i := range managed {
		managed[i].DeepCopyInto(&out[i])
	}
	m.SetManagedFields(out)
	return copied
}

// internManaged makes managed, the cache's own, share the fieldsV1 fields already holds and
// interns its strings.
func internManaged(fields *shareTable[*metav1.FieldsV1], managed []metav1.ManagedFieldsEntry) {
	for i := range managed {
		e := &managed[i]
		e.Manager = unique.Make(e.Manager).Value()
		e.Operation = metav1.ManagedFieldsOperationType(unique.Make(string(e.Operation)).Value())
		e.APIVersion = unique.Make(e.APIVersion).Value()
		e.FieldsType = unique.Make(e.FieldsType).Value()
		e.Subresource = unique.Make(e.Subresource).Value()
		if e.FieldsV1 != nil {
			e.FieldsV1 = fields.intern(e.FieldsV1)
		}
	}
}

// releaseManaged forgets managed, which internManaged recorded.
func releaseManaged(fields *shareTable[*metav1.FieldsV1], managed []metav1.ManagedFieldsEntry) {
	for i := range managed {
		if f := managed[i].FieldsV1; f != nil {
			fields.release(f)
		}
	}
}
