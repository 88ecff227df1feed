package validation

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateTimes requires every time in obj (conditions' lastTransitionTime, status times,
// managedFields' time, wherever the type holds a metav1.Time) to be one storage can read back.
// A time is parsed in the offset it is written in but stored in UTC, with a four-digit year:
// "9999-12-31T23:59:59-01:00" parses, is stored as "10000-01-01T00:59:59Z", and that no longer
// parses. Such an object answered its writer 500 once stored, and then failed every read
// that met it: the cluster-wide list of its resource, for every tenant and the operator.
func ValidateTimes(obj any) field.ErrorList {
	var errs field.ErrorList
	walkTimes(reflect.ValueOf(obj), nil, &errs)
	return errs
}

var (
	timeType        = reflect.TypeOf(metav1.Time{})
	minStorableTime = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	maxStorableTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	// holdsTime caches, by type, whether a value of it can hold a metav1.Time: the walk skips
	// the rest (strings, raw JSON, maps of them), which is most of an object.
	holdsTime sync.Map
)

func walkTimes(v reflect.Value, path *field.Path, errs *field.ErrorList) {
	if !v.IsValid() || !mayHoldTime(v.Type()) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkTimes(v.Elem(), path, errs)
		}
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(metav1.Time)
			if !t.IsZero() && (t.Time.Before(minStorableTime) || t.Time.After(maxStorableTime)) {
				*errs = append(*errs, field.Invalid(path, t.UTC().Format(time.RFC3339),
					"must be between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in UTC"))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			name, inline, ok := jsonName(f)
			if !ok {
				continue
			}
			p := path
			if !inline {
				p = childPath(path, name)
			}
			walkTimes(v.Field(i), p, errs)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkTimes(v.Index(i), path.Index(i), errs)
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			walkTimes(v.MapIndex(k), path.Key(k.String()), errs)
		}
	}
}

func childPath(path *field.Path, name string) *field.Path {
	if path == nil {
		return field.NewPath(name)
	}
	return path.Child(name)
}

// jsonName is the name field f is encoded under; inline for an embedded struct without one
// (TypeMeta, ObjectMeta are named metadata by their tag); ok false for fields never encoded.
func jsonName(f reflect.StructField) (name string, inline, ok bool) {
	if !f.IsExported() {
		return "", false, false
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false, false
	}
	name, _, _ = strings.Cut(tag, ",")
	if name == "" {
		if f.Anonymous {
			return "", true, true
		}
		name = f.Name
	}
	return name, false, true
}

// mayHoldTime reports whether a value of type t can hold a metav1.Time.
func mayHoldTime(t reflect.Type) bool {
	if v, ok := holdsTime.Load(t); ok {
		return v.(bool)
	}
	holds, _ := computeHoldsTime(t, map[reflect.Type]bool{})
	return holds
}

// computeHoldsTime answers mayHoldTime; complete is false when the answer leaned on a type
// still being computed (a recursive type), and is then not cached for t.
func computeHoldsTime(t reflect.Type, visiting map[reflect.Type]bool) (holds, complete bool) {
	if v, ok := holdsTime.Load(t); ok {
		return v.(bool), true
	}
	if visiting[t] {
		// A recursive type holds a time only through its other fields.
		return false, false
	}
	visiting[t] = true
	defer delete(visiting, t)
	complete = true
	each := func(elem reflect.Type) {
		h, c := computeHoldsTime(elem, visiting)
		holds, complete = holds || h, complete && c
	}
	switch t.Kind() {
	case reflect.Interface:
		holds = true // whatever it will hold
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		each(t.Elem())
	case reflect.Struct:
		holds = t == timeType
		for i := 0; i < t.NumField() && !holds; i++ {
			if t.Field(i).IsExported() {
				each(t.Field(i).Type)
			}
		}
	}
	if holds || complete {
		holdsTime.Store(t, holds)
	}
	return holds, holds || complete
}
