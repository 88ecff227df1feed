// Package fieldpath reads fields of typed API objects by the dotted JSON paths field selectors
// use ("spec.resourcePoolId"), so indexes and field sets are declared once, as those paths,
// instead of with one accessor function per kind and field.
package fieldvalue

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Value reads the string (or the decimal integer, or the boolean) at a dotted path of JSON names (e.g. "spec.resourcePoolId") from a
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
	// Integers and booleans are selectable as Kubernetes formats them in a field selector
	// (status.perceivedSeverity=0, status.alarmAcknowledged=false).
	switch v.Kind() {
	case reflect.String:
		return v.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), nil
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), nil
	}
	return "", fmt.Errorf("field path %s: %s is not a string, an integer or a boolean", path, v.Type())
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
