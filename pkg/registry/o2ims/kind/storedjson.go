package kind

import (
	"bytes"
	"math"
	"reflect"

	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/netweave-io/netweave/apis/o2dms"
	"github.com/netweave-io/netweave/apis/o2ims"
)

// rawJSONTypes are the free-form JSON values the kinds hold verbatim: O2 extensions,
// capabilities and capacity, O2-DMS values and parameter schemas.
var rawJSONTypes = map[reflect.Type]bool{
	reflect.TypeFor[o2ims.JSON](): true,
	reflect.TypeFor[o2dms.JSON](): true,
}

// keepStoredJSON puts back in field name of obj (Spec, Status) the stored bytes of every
// free-form JSON value that holds what old's holds as apimachinery reads JSON (keys in any
// order, integers as int64, other numbers as float64, a whole float64 the same as that int64).
//
// A server-side apply rewrites every such value, whatever it touches: the field manager merges
// on the object's unstructured form and converts the result back, so a value comes back with
// its keys sorted and its numbers beyond int64 rounded to a float64 (12345678901234567890 as
// 12345678901234567000, 0.10000000000000000555 as 0.1). An apply that set only a label would
// otherwise store those rewritten values and bump the generation as if the spec had changed.
// A value the request did change compares unequal and is stored as sent.
func keepStoredJSON(obj, old any, name string) {
	keepJSON(reflect.ValueOf(obj).Elem().FieldByName(name), reflect.ValueOf(old).Elem().FieldByName(name))
}

func keepJSON(n, o reflect.Value) {
	switch n.Kind() {
	case reflect.Struct:
		if rawJSONTypes[n.Type()] {
			nraw, oraw := n.Field(0).Bytes(), o.Field(0).Bytes()
			if !bytes.Equal(nraw, oraw) && SameJSON(nraw, oraw) {
				n.Field(0).SetBytes(bytes.Clone(oraw))
			}
			return
		}
		for i := range n.NumField() {
			if n.Type().Field(i).IsExported() {
				keepJSON(n.Field(i), o.Field(i))
			}
		}
	case reflect.Pointer:
		if !n.IsNil() && !o.IsNil() {
			keepJSON(n.Elem(), o.Elem())
		}
	case reflect.Slice:
		for i := range min(n.Len(), o.Len()) {
			keepJSON(n.Index(i), o.Index(i))
		}
	case reflect.Map:
		for _, k := range n.MapKeys() {
			ov := o.MapIndex(k)
			if !ov.IsValid() {
				continue
			}
			// Map values cannot be set in place: work on a copy and store it back.
			nv := reflect.New(n.Type().Elem()).Elem()
			nv.Set(n.MapIndex(k))
			keepJSON(nv, ov)
			n.SetMapIndex(k, nv)
		}
	}
}

// SameJSON reports whether a and b read as the same value with apimachinery's JSON reader,
// which the unstructured form a server-side apply merges on is made with.
func SameJSON(a, b []byte) bool {
	var x, y any
	if utiljson.Unmarshal(a, &x) != nil || utiljson.Unmarshal(b, &y) != nil {
		return false
	}
	return sameValue(x, y)
}

// sameValue is equality of two values apimachinery's JSON reader made, with an int64 and a
// float64 of the same whole value equal: the reader makes a float64 of a whole number written
// with a fraction or an exponent (2.0, 1e3, what Python writes for a whole float), and the
// apply's conversion writes that float64 back as an integer (2, 1000), which it then reads as
// an int64 (TestRegressionServerSideApplyKeepsWholeNumbersWrittenAsFloats).
func sameValue(x, y any) bool {
	switch x := x.(type) {
	case map[string]any:
		y, ok := y.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !sameValue(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := y.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case int64:
		if f, ok := y.(float64); ok {
			return wholeFloat(f, x)
		}
	case float64:
		if i, ok := y.(int64); ok {
			return wholeFloat(x, i)
		}
	}
	return x == y
}

// wholeFloat reports whether f is exactly the whole number i.
func wholeFloat(f float64, i int64) bool {
	// float64(math.MaxInt64) is 2^63, past every int64: a float at or beyond it is no int64.
	return f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 && int64(f) == i
}
