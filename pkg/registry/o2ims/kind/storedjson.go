package kind

import (
	"bytes"
	"reflect"

	"k8s.io/apimachinery/pkg/api/equality"
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
// order, integers as int64, other numbers as float64).
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
			if !bytes.Equal(nraw, oraw) && sameJSON(nraw, oraw) {
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

// sameJSON reports whether a and b read as the same value with apimachinery's JSON reader,
// which the unstructured form a server-side apply merges on is made with.
func sameJSON(a, b []byte) bool {
	var x, y any
	if utiljson.Unmarshal(a, &x) != nil || utiljson.Unmarshal(b, &y) != nil {
		return false
	}
	return equality.Semantic.DeepEqual(x, y)
}
