package readcache

import (
	"hash/maphash"
	"maps"
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// shareTable keeps one canonical value for each distinct content among the values the cached
// objects hold (fieldsV1, label sets), counting the objects that use it, so that objects
// with equal contents point at one copy. Callers hold Cache.mu.
type shareTable[T any] struct {
	seed  maphash.Seed
	hash  func(maphash.Seed, T) uint64
	equal func(a, b T) bool
	// same reports whether a and b are the very same value (not only equal).
	same func(a, b T) bool
	// byHash lists the canonical values by the hash of their content (a list: hashes may
	// collide).
	byHash map[uint64][]*shared[T]
}

type shared[T any] struct {
	v    T
	refs int
}

func newShareTable[T any](hash func(maphash.Seed, T) uint64, equal, same func(a, b T) bool) *shareTable[T] {
	return &shareTable[T]{seed: maphash.MakeSeed(), hash: hash, equal: equal, same: same, byHash: map[uint64][]*shared[T]{}}
}

// intern returns the canonical value equal to v (v itself when it is the first) and counts
// one more user of it.
func (t *shareTable[T]) intern(v T) T {
	h := t.hash(t.seed, v)
	for _, s := range t.byHash[h] {
		if t.equal(s.v, v) {
			s.refs++
			return s.v
		}
	}
	t.byHash[h] = append(t.byHash[h], &shared[T]{v: v, refs: 1})
	return v
}

// release counts one user less of v, a value intern returned, and reports whether that was
// the last.
func (t *shareTable[T]) release(v T) bool {
	h := t.hash(t.seed, v)
	list := t.byHash[h]
	for i, s := range list {
		if !t.same(s.v, v) {
			continue
		}
		if s.refs--; s.refs > 0 {
			return false
		}
		list = append(list[:i:i], list[i+1:]...)
		if len(list) == 0 {
			delete(t.byHash, h)
		} else {
			t.byHash[h] = list
		}
		return true
	}
	return false
}

// len is the number of distinct values held.
func (t *shareTable[T]) len() int {
	n := 0
	for _, list := range t.byHash {
		n += len(list)
	}
	return n
}

func newFieldsTable() *shareTable[*metav1.FieldsV1] {
	return newShareTable(
		func(seed maphash.Seed, f *metav1.FieldsV1) uint64 { return maphash.Bytes(seed, f.GetRawBytes()) },
		func(a, b *metav1.FieldsV1) bool { return a.Equal(*b) },
		func(a, b *metav1.FieldsV1) bool { return a == b })
}

func newLabelsTable() *shareTable[map[string]string] {
	return newShareTable(hashLabels, maps.Equal[map[string]string],
		func(a, b map[string]string) bool {
			return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
		})
}

// hashLabels hashes a label set independently of the maps' iteration order (a sum of the
// pairs' hashes), without allocating.
func hashLabels(seed maphash.Seed, labels map[string]string) uint64 {
	var sum uint64
	var h maphash.Hash
	h.SetSeed(seed)
	for k, v := range labels {
		h.Reset()
		h.WriteString(k)
		h.WriteByte(0)
		h.WriteString(v)
		sum += h.Sum64()
	}
	return sum
}
