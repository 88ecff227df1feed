package apiserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	o2dmsv1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	o2imsv1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// finiteNumbers refuses a request body whose free-form values (O2 extensions, capabilities,
// capacity, O2-DMS values and schemas, template parameters) hold a number beyond float64's
// range: 1e400, -1e400, a 400-digit integer. The handler runs the field manager on every
// create, update, patch and apply before the registry sees the object, and structured-merge-
// diff, which reads every such number as a float64, panics on one: the client got
// kube-apiserver's 503 "Error trying to reach service", as if netweave were down. Refused
// here, where a create or update body is decoded, it is a 400 naming the value (patch and
// apply documents holding one are refused by their own decoding, as float64). Only request
// bodies are decoded through this serializer, never what the store holds.
type finiteNumbers struct{ runtime.Serializer }

// Decode implements runtime.Decoder.
func (f finiteNumbers) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	obj, gvk, err := f.Serializer.Decode(data, defaults, into)
	if obj == nil || (err != nil && !runtime.IsStrictDecodingError(err)) {
		return obj, gvk, err
	}
	if errs := numbersBeyondFloat64(reflect.ValueOf(obj), nil); len(errs) > 0 {
		return nil, gvk, errs.ToAggregate()
	}
	return obj, gvk, err
}

// rawJSONTypes are the versioned types of free-form JSON values.
var rawJSONTypes = map[reflect.Type]bool{
	reflect.TypeFor[o2imsv1.JSON](): true,
	reflect.TypeFor[o2dmsv1.JSON](): true,
}

// numbersBeyondFloat64 walks v for free-form JSON values holding a number a float64 cannot.
func numbersBeyondFloat64(v reflect.Value, path *field.Path) field.ErrorList {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return numbersBeyondFloat64(v.Elem(), path)
		}
	case reflect.Struct:
		if rawJSONTypes[v.Type()] {
			if n := beyondFloat64(v.Field(0).Bytes()); n != "" {
				if len(n) > 24 {
					n = n[:24] + "..."
				}
				return field.ErrorList{field.Invalid(path, n, "number beyond float64's range: structured-merge-diff and most JSON readers cannot hold it")}
			}
			return nil
		}
		var errs field.ErrorList
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			p := path
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				p = path.Child(name)
			}
			errs = append(errs, numbersBeyondFloat64(v.Field(i), p)...)
		}
		return errs
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil
		}
		var errs field.ErrorList
		for i := range v.Len() {
			errs = append(errs, numbersBeyondFloat64(v.Index(i), path.Index(i))...)
		}
		return errs
	case reflect.Map:
		var errs field.ErrorList
		for _, k := range v.MapKeys() {
			errs = append(errs, numbersBeyondFloat64(v.MapIndex(k), path.Key(fmt.Sprint(k.Interface())))...)
		}
		return errs
	}
	return nil
}

// beyondFloat64 returns the first number of raw, a JSON value, that overflows a float64, or "".
func beyondFloat64(raw []byte) string {
	if !bytes.ContainsAny(raw, "0123456789") {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil { // io.EOF, or invalid JSON the decoder that kept it answers for
			return ""
		}
		if n, ok := tok.(json.Number); ok {
			if _, err := strconv.ParseFloat(string(n), 64); errors.Is(err, strconv.ErrRange) {
				// Underflow (1e-400) reads as 0 without an error; only overflow is refused.
				return string(n)
			}
		}
	}
}

// EncodeWithAllocator keeps the wrapped encoder's allocator for the responses it writes.
func (f finiteNumbers) EncodeWithAllocator(obj runtime.Object, w io.Writer, memAlloc runtime.MemoryAllocator) error {
	if e, ok := f.Serializer.(runtime.EncoderWithAllocator); ok {
		return e.EncodeWithAllocator(obj, w, memAlloc)
	}
	return f.Serializer.Encode(obj, w)
}
