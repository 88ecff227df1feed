package source

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

func namespaceOf(obj runtime.Object) string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return ""
	}
	return m.GetNamespace()
}

func nameOf(obj runtime.Object) string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return ""
	}
	return m.GetName()
}

// keyedObject is an object with its Key computed once, for sorting.
type keyedObject struct {
	key string
	obj runtime.Object
}

// sortByKey orders objects by Key (namespace/name), the order paging markers compare in, and
// returns them.
func sortByKey(keyed []keyedObject) []runtime.Object {
	slices.SortFunc(keyed, func(a, b keyedObject) int { return strings.Compare(a.key, b.key) })
	out := make([]runtime.Object, len(keyed))
	for i := range keyed {
		out[i] = keyed[i].obj
	}
	return out
}
