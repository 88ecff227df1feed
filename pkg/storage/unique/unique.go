// Package unique describes a field whose value no two objects of a resource
// may share (the O2 id of each o2ims kind), so the Redis store can enforce it
// and the read cache can look objects up by it.
package unique

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
)

// Index names one unique field of a resource.
type Index struct {
	// Field is the field selector key of the value, e.g. "spec.resourcePoolId".
	// It names the field in conflict messages and tells the cache which
	// field selector it can answer from the index.
	Field string
	// Value returns the object's value of the field; "" means the object
	// holds none and is not indexed.
	Value func(obj runtime.Object) (string, error)
}

// Key is the indexed form of a value. O2 ids are UUIDs, which compare
// case-insensitively, so "ABC…" and "abc…" must collide.
func Key(value string) string { return strings.ToLower(value) }

// KeyOf returns the indexed form of obj's value ("" when it has none).
func (i *Index) KeyOf(obj runtime.Object) (string, error) {
	v, err := i.Value(obj)
	if err != nil {
		return "", fmt.Errorf("unique index %s: %w", i.Field, err)
	}
	return Key(v), nil
}

// ConflictMessage is the explanation carried by the 409 a write gets when
// its value is held by another object, e.g.
// "spec.resourcePoolId 39c8… is already used by another object". The holder
// is not named: it may sit in a namespace the writer cannot read, and
// tenants must not learn what other tenants hold.
func (i *Index) ConflictMessage(value string) string {
	return fmt.Sprintf("%s %s is already used by another object", i.Field, value)
}
