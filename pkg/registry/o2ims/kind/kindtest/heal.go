package kindtest

import (
	"reflect"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// HealUUID is the UUID Heal writes where an id is wanted: one value everywhere, so fields that
// must agree (a ProvisioningRequest's name and id) agree.
const HealUUID = "6ba7b810-9dad-41d1-80b4-00c04fd430c8"

// Heal changes obj until validate accepts it, guided only by the errors: each round takes the
// first error and tries values at its field path (then at the paths above it) until that error
// is gone. It needs no knowledge of the kind, so every kind a scheme serves gets a valid
// object to update from, derived from whatever content obj started with. It returns the
// error it could not heal, nil when obj ended valid.
func Heal(obj runtime.Object, validate func(runtime.Object) field.ErrorList) *field.Error {
	for round := 0; ; round++ {
		errs := validate(obj)
		if len(errs) == 0 {
			return nil
		}
		if round == 400 || !healOne(obj, validate, errs[0]) {
			return errs[0]
		}
	}
}

// healOne tries candidate values at e's path and at each path above it, and keeps the first
// change after which fewer errors name e's path (trading one error there for another, as a
// required value for an invalid one, would go round in circles). A value that only turns a
// missing field into one that is wrong in another way (a name that must repeat other fields,
// which the error then spells out) is kept when nothing better is found.
func healOne(obj runtime.Object, validate func(runtime.Object) field.ErrorList, e *field.Error) bool {
	segs := splitPath(e.Field)
	before := errorsAt(validate(obj), e.Field)
	var fallback runtime.Object
	for n := len(segs); n >= 1; n-- {
		for try := 0; ; try++ {
			c := obj.DeepCopyObject()
			v, ok := walk(reflect.ValueOf(c).Elem(), segs[:n])
			if !ok {
				break
			}
			if !setCandidate(v, try, e) {
				break
			}
			errs := validate(c)
			if errorsAt(errs, e.Field) < before {
				reflect.ValueOf(obj).Elem().Set(reflect.ValueOf(c).Elem())
				return true
			}
			if fallback == nil && e.Type == field.ErrorTypeRequired && !requiredAt(errs, e.Field) {
				fallback = c
			}
		}
	}
	if fallback != nil {
		reflect.ValueOf(obj).Elem().Set(reflect.ValueOf(fallback).Elem())
		return true
	}
	return false
}

func requiredAt(errs field.ErrorList, path string) bool {
	for _, o := range errs {
		if o.Field == path && o.Type == field.ErrorTypeRequired {
			return true
		}
	}
	return false
}

func errorsAt(errs field.ErrorList, path string) int {
	n := 0
	for _, o := range errs {
		if o.Field == path {
			n++
		}
	}
	return n
}

// splitPath splits "spec.a[0].b[key]" into "spec", "a", "[0]", "b", "[key]".
func splitPath(p string) []string {
	var out []string
	for _, part := range strings.Split(p, ".") {
		for part != "" {
			i := strings.IndexByte(part[1:], '[')
			if i < 0 {
				out = append(out, part)
				break
			}
			out = append(out, part[:i+1])
			part = part[i+1:]
		}
	}
	return out
}

// walk follows JSON names and indexes from v; it stops at a map (whose entries cannot be set
// in place): the map itself is then the value to change.
func walk(v reflect.Value, segs []string) (reflect.Value, bool) {
	for _, s := range segs {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return v, true
			}
			v = v.Elem()
		}
		switch {
		case v.Kind() == reflect.Map:
			return v, true
		case strings.HasPrefix(s, "["):
			i, err := strconv.Atoi(strings.Trim(s, "[]"))
			if v.Kind() != reflect.Slice || err != nil || i < 0 || i >= v.Len() {
				return v, v.CanSet()
			}
			v = v.Index(i)
		case v.Kind() == reflect.Struct:
			f, ok := jsonField(v, s)
			if !ok {
				return v, true
			}
			v = f
		default:
			return v, v.CanSet()
		}
	}
	return v, v.CanSet()
}

func jsonField(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if tag == name {
			return v.Field(i), true
		}
		if tag == "" && sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			if f, ok := jsonField(v.Field(i), name); ok {
				return f, true
			}
		}
	}
	return reflect.Value{}, false
}

// setCandidate sets v to its try-th candidate value; false when there are no more.
func setCandidate(v reflect.Value, try int, e *field.Error) bool {
	if v.Type() == timeType {
		if try > 0 {
			return false
		}
		v.Set(reflect.ValueOf(metav1.NewTime(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))))
		return true
	}
	if v.Type() == bytesType {
		vals := [][]byte{nil, []byte("{}")}
		if try >= len(vals) {
			return false
		}
		v.SetBytes(vals[try])
		return true
	}
	switch v.Kind() {
	case reflect.String:
		vals := stringCandidates(e)
		if try >= len(vals) {
			return false
		}
		v.SetString(vals[try])
	case reflect.Bool:
		if try > 1 {
			return false
		}
		v.SetBool(try == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		vals := []int64{1, 0, 5}
		if try >= len(vals) {
			return false
		}
		v.SetInt(vals[try])
	case reflect.Float32, reflect.Float64:
		if try > 0 {
			return false
		}
		v.SetFloat(0)
	case reflect.Pointer:
		switch try {
		case 0:
			v.SetZero()
		case 1:
			v.Set(reflect.New(v.Type().Elem()))
		default:
			return false
		}
	case reflect.Map:
		if try > 0 {
			return false
		}
		v.SetZero()
	case reflect.Slice:
		return setSliceCandidate(v, try, e)
	case reflect.Struct:
		return setStructCandidate(v, try)
	default:
		return false
	}
	return true
}

func setSliceCandidate(v reflect.Value, try int, e *field.Error) bool {
	switch try {
	case 0:
		v.SetZero()
		return true
	case 1:
		// A list that must not be empty gets one element; two zeros for a coordinate pair.
		n := 1
		if k := v.Type().Elem().Kind(); k == reflect.Float64 || k == reflect.Float32 {
			n = 2
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		if v.Type().Elem().Kind() == reflect.String {
			s.Index(0).SetString(stringCandidates(e)[0])
		}
		v.Set(s)
		return true
	}
	return false
}

// setStructCandidate fills the try-th nil pointer or empty list of a struct: what an error on a
// whole struct ("one of a or b is required") asks for.
func setStructCandidate(v reflect.Value, try int) bool {
	n := 0
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if !v.Type().Field(i).IsExported() {
			continue
		}
		switch {
		case f.Kind() == reflect.Pointer && f.IsNil():
		case f.Kind() == reflect.Slice && f.Len() == 0 && f.Type().Elem().Kind() == reflect.String:
		default:
			continue
		}
		if n == try {
			if f.Kind() == reflect.Pointer {
				f.Set(reflect.New(f.Type().Elem()))
			} else {
				f.Set(reflect.Append(f, reflect.ValueOf(HealUUID).Convert(f.Type().Elem())))
			}
			return true
		}
		n++
	}
	return false
}

// stringCandidates are the values tried for a string: first what the error itself suggests
// (the supported values, the value after its last colon, its last word), then values that
// satisfy the common rules (empty, a UUID, a DNS name, URLs, a version, a digest).
func stringCandidates(e *field.Error) []string {
	var out []string
	d := e.Detail
	if rest, ok := strings.CutPrefix(d, "supported values: "); ok {
		for _, q := range strings.Split(rest, ", ") {
			if s, err := strconv.Unquote(q); err == nil {
				out = append(out, s)
			}
		}
	}
	if i := strings.LastIndex(d, ": "); i >= 0 {
		out = append(out, d[i+2:])
	}
	if f := strings.Fields(d); len(f) > 0 {
		out = append(out, f[len(f)-1])
	}
	return append(out, "", HealUUID, "default", "x", "https://smo.example.com/callback",
		"oci://registry.example.com/charts/app", "1.0.0", "sha256:"+strings.Repeat("a", 64), "Point", "True")
}
