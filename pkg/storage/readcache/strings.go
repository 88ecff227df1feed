package readcache

import (
	"reflect"
	"unique"
	"unsafe"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Decoding gives every cached object its own copy of every string, yet most of an
// inventory's strings repeat from object to object: the namespace, the pool and type ids a
// Resource refers to, its tags and groups, the keys of its extensions and most of their values
// (a node's architecture, OS image, kernel and kubelet versions, capacity). The cache makes
// such strings of the objects it keeps point at one canonical copy (unique.Make), which costs
// nothing to readers: the cache's objects are never modified (see share.go), and a copy
// handed out (DeepCopy) is as before.
//
// unique.Make keeps a canonical copy only while something holds its Handle; the cache keeps
// the string, not the Handle, so a string interned after a collection may get a new canonical
// copy. Objects decoded between two collections share one copy; over time a value ends up in
// as many copies as collections happened while objects carrying it were decoded, instead of one
// per object, with no table of counts to keep.
//
// Not interned: what is unique per object (the name, uid, resourceVersion, generateName,
// selfLink), the labels (one shared map per distinct label set, labels.go), managedFields
// (kept apart, managed.go), values held in interfaces, and strings or raw JSON values longer
// than maxInterned, which rarely repeat and would cost hashing for nothing.

// maxInterned is the longest string (or raw JSON value) interned.
const maxInterned = 256

// internFunc interns the strings of v, an addressable value of the type it was built for.
type internFunc func(v reflect.Value)

// stringInterner builds the internFunc of a type once.
type stringInterner struct {
	funcs map[reflect.Type]internFunc
}

// internerFor returns the internFunc for objects of type t (a pointer to an API struct), nil
// when t holds no string to intern.
func internerFor(t reflect.Type) internFunc {
	in := &stringInterner{funcs: map[reflect.Type]internFunc{}}
	return in.build(t)
}

var objectMetaType = reflect.TypeFor[metav1.ObjectMeta]()

// skippedInObjectMeta reports the ObjectMeta fields left alone (see above).
func skippedInObjectMeta(field string) bool {
	switch field {
	case "Name", "GenerateName", "UID", "ResourceVersion", "SelfLink", "Labels", "ManagedFields":
		return true
	}
	return false
}

func (in *stringInterner) build(t reflect.Type) internFunc {
	if f, ok := in.funcs[t]; ok {
		return f
	}
	// A recursive type reaches itself through a pointer, slice or map: resolve that use through
	// the table once the type's own function is known.
	var f internFunc
	in.funcs[t] = func(v reflect.Value) {
		if f != nil {
			f(v)
		}
	}
	f = in.buildKind(t)
	in.funcs[t] = f
	return f
}

func (in *stringInterner) buildKind(t reflect.Type) internFunc {
	switch t.Kind() {
	case reflect.String:
		return internString
	case reflect.Pointer:
		elem := in.build(t.Elem())
		if elem == nil {
			return nil
		}
		return func(v reflect.Value) {
			if !v.IsNil() {
				elem(v.Elem())
			}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil
		}
		elem := in.build(t.Elem())
		if elem == nil {
			return nil
		}
		return func(v reflect.Value) {
			for i := range v.Len() {
				elem(v.Index(i))
			}
		}
	case reflect.Map:
		return in.buildMap(t)
	case reflect.Struct:
		return in.buildStruct(t)
	}
	return nil
}

func (in *stringInterner) buildStruct(t reflect.Type) internFunc {
	if raw, ok := rawJSONField(t); ok {
		return func(v reflect.Value) { internBytes(v.Field(raw)) }
	}
	type field struct {
		index int
		f     internFunc
	}
	var fields []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() || (t == objectMetaType && skippedInObjectMeta(sf.Name)) {
			continue
		}
		if f := in.build(sf.Type); f != nil {
			fields = append(fields, field{i, f})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return func(v reflect.Value) {
		for _, fl := range fields {
			fl.f(v.Field(fl.index))
		}
	}
}

// rawJSONField reports whether t is a raw JSON value (a struct of one field, Raw []byte: the
// extensions' values, apiextensions' JSON, runtime.RawExtension's bytes) and where Raw is.
func rawJSONField(t reflect.Type) (int, bool) {
	sf, ok := t.FieldByName("Raw")
	if !ok || len(sf.Index) != 1 || sf.Type != reflect.TypeFor[[]byte]() {
		return 0, false
	}
	for i := range t.NumField() {
		if i != sf.Index[0] && t.Field(i).IsExported() && t.Field(i).Type.Kind() != reflect.Interface {
			return 0, false
		}
	}
	return sf.Index[0], true
}

// buildMap interns the keys of a map with string keys (assigning an existing key again
// stores the key given: strings need a key update) and what its values hold.
func (in *stringInterner) buildMap(t reflect.Type) internFunc {
	keyed := t.Key().Kind() == reflect.String
	elem := in.build(t.Elem())
	if !keyed && elem == nil {
		return nil
	}
	// A value that holds its strings inline (a string, a struct, an array) is interned in a
	// copy, stored back; one that refers to them (a pointer, slice or map), in place.
	inline := elem != nil && (t.Elem().Kind() == reflect.String || t.Elem().Kind() == reflect.Struct || t.Elem().Kind() == reflect.Array)
	return func(m reflect.Value) {
		if m.Len() == 0 {
			return
		}
		key, val := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
		for it := m.MapRange(); it.Next(); {
			key.SetIterKey(it)
			val.SetIterValue(it)
			if keyed {
				internString(key)
			}
			if elem != nil {
				elem(val)
			}
			if keyed || inline {
				m.SetMapIndex(key, val)
			}
		}
	}
}

// internStrings makes obj, the cache's own and not yet shared, point at canonical copies of
// its repeated strings.
func (c *Cache) internStrings(obj runtime.Object) {
	if c.strings == nil || reflect.TypeOf(obj) != c.objType {
		return
	}
	c.strings(reflect.ValueOf(obj))
}

func internString(v reflect.Value) {
	if n := v.Len(); n > 0 && n <= maxInterned {
		v.SetString(unique.Make(v.String()).Value())
	}
}

// internBytes points v, a raw JSON value, at the canonical copy of its bytes. Nothing writes
// into a cached object's bytes (see above); a deep copy gets bytes of its own.
func internBytes(v reflect.Value) {
	b := v.Bytes()
	if len(b) == 0 || len(b) > maxInterned {
		return
	}
	s := unique.Make(string(b)).Value()
	v.SetBytes(unsafe.Slice(unsafe.StringData(s), len(s)))
}
