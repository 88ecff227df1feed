package cachefeed

import "reflect"

// sameLayout reports whether values of a and b are laid out identically in memory, down to
// everything they point to: same kinds and sizes, struct fields of the same names at the same
// offsets, element, key and field types alike recursively. It is the condition under which
// conversion-gen converts by reinterpreting memory (unsafe.Pointer) instead of copying, here
// checked at run time so that a served type that ever stops matching its internal type is
// converted instead of misread. seen breaks cycles of recursive types.
func sameLayout(a, b reflect.Type, seen map[[2]reflect.Type]bool) bool {
	if a == b {
		return true
	}
	if a.Kind() != b.Kind() || a.Size() != b.Size() || a.Align() != b.Align() {
		return false
	}
	pair := [2]reflect.Type{a, b}
	if seen[pair] {
		return true
	}
	seen[pair] = true
	switch a.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return true
	case reflect.Pointer, reflect.Slice:
		return sameLayout(a.Elem(), b.Elem(), seen)
	case reflect.Array:
		return a.Len() == b.Len() && sameLayout(a.Elem(), b.Elem(), seen)
	case reflect.Map:
		return sameLayout(a.Key(), b.Key(), seen) && sameLayout(a.Elem(), b.Elem(), seen)
	case reflect.Struct:
		if a.NumField() != b.NumField() {
			return false
		}
		for i := range a.NumField() {
			fa, fb := a.Field(i), b.Field(i)
			if fa.Name != fb.Name || fa.Offset != fb.Offset || fa.Anonymous != fb.Anonymous ||
				!sameLayout(fa.Type, fb.Type, seen) {
				return false
			}
		}
		return true
	}
	// Interfaces, functions, channels, unsafe pointers: only the very same type.
	return false
}
