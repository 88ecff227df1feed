package kind

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"
)

// fieldOf returns the named top-level field (Spec, Status) of an O2 object. Every kind here has
// the same shape, so reflection spares each kind a pair of near-identical copy functions.
func fieldOf(obj runtime.Object, name string) interface{} {
	return reflect.ValueOf(obj).Elem().FieldByName(name).Interface()
}

// copyField deep-copies the named top-level field from src into dst.
func copyField(dst, src runtime.Object, name string) {
	from := reflect.ValueOf(src.DeepCopyObject()).Elem().FieldByName(name)
	reflect.ValueOf(dst).Elem().FieldByName(name).Set(from)
}
