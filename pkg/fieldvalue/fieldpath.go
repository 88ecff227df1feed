// Package fieldpath reads fields of typed API objects by the dotted JSON paths field selectors
// use ("spec.resourcePoolId"), so indexes and field sets are declared once, as those paths,
// instead of with one accessor function per kind and field.
package fieldvalue

import (
	"fmt"
	"reflect"
	"strings"
)

// Value reads the string at a dotted path of JSON names (e.g. "spec.resourcePoolId") from a
// typed API object (internal or versioned: both carry the same JSON names).
func Value(obj any, path string) (string, error) {
	v := reflect.ValueOf(obj)
	for _, name := range strings.Split(path, ".") {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return "", nil
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return "", fmt.Errorf("field path %s: %s is not an object", path, name)
		}
		f, ok := jsonField(v, name)
		if !ok {
			return "", fmt.Errorf("field path %s: no field %s in %s", path, name, v.Type())
		}
		v = f
	}
	if v.Kind() != reflect.String {
		return "", fmt.Errorf("field path %s: %s is not a string", path, v.Type())
	}
	return v.String(), nil
}

// jsonField finds the struct field serialised under name, looking into inlined embedded
// structs (ObjectMeta is embedded as "metadata", TypeMeta is inlined).
func jsonField(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := strings.Split(sf.Tag.Get("json"), ",")
		if tag[0] == name {
			return v.Field(i), true
		}
		if tag[0] == "" && sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			if f, ok := jsonField(v.Field(i), name); ok {
				return f, true
			}
		}
	}
	return reflect.Value{}, false
}
