package readcache

import (
	"fmt"
	"hash/maphash"
	"slices"
	"unique"
	"unsafe"

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
// create) have byte-identical fieldsV1 and entries that differ only in their times: the cache
// keeps the fieldsV1 and the entries once (managedTable) and each object's times, and the
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

// keptManaged is an object's managedFields as the cache keeps them: the entries without their
// times, shared by every object whose entries are equal but for the times (every Resource the
// inventory sync writes, every object of a bulk create), and the object's times. An object
// then costs its times (24 bytes an entry) instead of its own entries (~120 bytes each).
type keptManaged struct {
	// entries are shared (managedTable.shapes); an entry's Time is nil when the object's was,
	// the table's placeholder when it had one.
	entries []metav1.ManagedFieldsEntry
	// times are the entries' times, zero where the entry had none; nil when none had.
	times []metav1.Time
}

// managedTable keeps the shared parts of the cached objects' managedFields: the entries
// without their times (shapes) and the fieldsV1 they hold (fields: also shared between
// shapes, e.g. one manager's entry in objects another manager also wrote). Callers hold
// Cache.mu.
type managedTable struct {
	fields *shareTable[*metav1.FieldsV1]
	shapes *shareTable[[]metav1.ManagedFieldsEntry]
	// hasTime stands for an entry's time in the shapes.
	hasTime *metav1.Time
}

func newManagedTable() *managedTable {
	return &managedTable{
		fields: newFieldsTable(),
		// Entries are comparable: their strings are compared by value, and the fieldsV1 and
		// the time by pointer, which interning makes canonical.
		shapes: newShareTable(
			func(seed maphash.Seed, entries []metav1.ManagedFieldsEntry) uint64 {
				var h uint64
				for _, e := range entries {
					h = h*31 + maphash.Comparable(seed, e)
				}
				return h
			},
			slices.Equal[[]metav1.ManagedFieldsEntry],
			func(a, b []metav1.ManagedFieldsEntry) bool { return unsafe.SliceData(a) == unsafe.SliceData(b) }),
		hasTime: &metav1.Time{},
	}
}

// withManagedFields sets a deep copy of kept as copied's managedFields and returns copied.
// The cache never changes what it keeps (a change replaces the key's whole value), so callers
// may copy after releasing c.mu.
func withManagedFields(copied runtime.Object, kept keptManaged) runtime.Object {
	if len(kept.entries) == 0 {
		return copied
	}
	m, err := meta.Accessor(copied)
	if err != nil {
		return copied
	}
	out := make([]metav1.ManagedFieldsEntry, len(kept.entries))
	for i := range kept.entries {
		kept.entries[i].DeepCopyInto(&out[i])
		if out[i].Time != nil {
			*out[i].Time = kept.times[i]
		}
	}
	m.SetManagedFields(out)
	return copied
}

// intern keeps managed, the cache's own: its strings interned, its fieldsV1 and its entries
// without times shared with equal ones already kept.
func (t *managedTable) intern(managed []metav1.ManagedFieldsEntry) keptManaged {
	if len(managed) == 0 {
		return keptManaged{}
	}
	var kept keptManaged
	for i := range managed {
		e := &managed[i]
		e.Manager = unique.Make(e.Manager).Value()
		e.Operation = metav1.ManagedFieldsOperationType(unique.Make(string(e.Operation)).Value())
		e.APIVersion = unique.Make(e.APIVersion).Value()
		e.FieldsType = unique.Make(e.FieldsType).Value()
		e.Subresource = unique.Make(e.Subresource).Value()
		if e.FieldsV1 != nil {
			e.FieldsV1 = t.fields.intern(e.FieldsV1)
		}
		if e.Time != nil {
			if kept.times == nil {
				kept.times = make([]metav1.Time, len(managed))
			}
			kept.times[i], e.Time = *e.Time, t.hasTime
		}
	}
	kept.entries = t.shapes.intern(managed)
	if unsafe.SliceData(kept.entries) != unsafe.SliceData(managed) {
		// An equal shape holds the fieldsV1 already: managed's own references are not kept.
		t.releaseFields(managed)
	}
	return kept
}

// release forgets kept, which intern returned.
func (t *managedTable) release(kept keptManaged) {
	if len(kept.entries) > 0 && t.shapes.release(kept.entries) {
		t.releaseFields(kept.entries)
	}
}

func (t *managedTable) releaseFields(entries []metav1.ManagedFieldsEntry) {
	for i := range entries {
		if f := entries[i].FieldsV1; f != nil {
			t.fields.release(f)
		}
	}
}
