package source

import (
	"sort"

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

// sortByNamespacedName gives lists a stable order, which paging markers rely on.
func sortByNamespacedName(objs []runtime.Object) {
	sort.Slice(objs, func(i, j int) bool {
		ni, nj := namespaceOf(objs[i]), namespaceOf(objs[j])
		if ni != nj {
			return ni < nj
		}
		return nameOf(objs[i]) < nameOf(objs[j])
	})
}

func pickFirst(objs []interface{}) runtime.Object {
	best := objs[0].(runtime.Object)
	for _, o := range objs[1:] {
		obj := o.(runtime.Object)
		if namespaceOf(obj)+"/"+nameOf(obj) < namespaceOf(best)+"/"+nameOf(best) {
			best = obj
		}
	}
	return best
}
