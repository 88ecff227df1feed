package readcache

import (
	"fmt"

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
