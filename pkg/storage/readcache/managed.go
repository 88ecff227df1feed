package readcache

import (
	"bytes"
	"fmt"
	"hash/maphash"
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

// fieldsTable holds each distinct fieldsV1 the cached managedFields use once, counting the
// entries that use it. Callers hold Cache.mu.
type fieldsTable struct {
	seed maphash.Seed
	// byHash lists the shared fieldsV1 by the hash of their bytes (a list: hashes may collide).
	byHash map[uint64][]*sharedFields
}

type sharedFields struct {
	f    *metav1.FieldsV1
	refs int
}

func newFieldsTable() *fieldsTable {
	return &fieldsTable{seed: maphash.MakeSeed(), byHash: map[uint64][]*sharedFields{}}
}

// intern makes managed share what the table already holds and records what it adds; managed
// must be the cache's own.
func (t *fieldsTable) intern(managed []metav1.ManagedFieldsEntry) {
	for i := range managed {
		e := &managed[i]
		e.Manager = unique.Make(e.Manager).Value()
		e.Operation = metav1.ManagedFieldsOperationType(unique.Make(string(e.Operation)).Value())
		e.APIVersion = unique.Make(e.APIVersion).Value()
		e.FieldsType = unique.Make(e.FieldsType).Value()
		e.Subresource = unique.Make(e.Subresource).Value()
		if e.FieldsV1 == nil {
			continue
		}
		h := maphash.Bytes(t.seed, e.FieldsV1.Raw)
		shared := false
		for _, s := range t.byHash[h] {
			if bytes.Equal(s.f.Raw, e.FieldsV1.Raw) {
				s.refs++
				e.FieldsV1, shared = s.f, true
				break
			}
		}
		if !shared {
			t.byHash[h] = append(t.byHash[h], &sharedFields{f: e.FieldsV1, refs: 1})
		}
	}
}

// release forgets managed, which intern recorded.
func (t *fieldsTable) release(managed []metav1.ManagedFieldsEntry) {
	for i := range managed {
		f := managed[i].FieldsV1
		if f == nil {
			continue
		}
		h := maphash.Bytes(t.seed, f.Raw)
		list := t.byHash[h]
		for j, s := range list {
			if s.f != f {
				continue
			}
			if s.refs--; s.refs == 0 {
				list = append(list[:j:j], list[j+1:]...)
				if len(list) == 0 {
					delete(t.byHash, h)
				} else {
					t.byHash[h] = list
				}
			}
			break
		}
	}
}

// len is the number of distinct fieldsV1 held.
func (t *fieldsTable) len() int {
	n := 0
	for _, list := range t.byHash {
		n += len(list)
	}
	return n
}
