package kind

import (
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// UniqueIndexOptionsGetter is implemented by a RESTOptionsGetter whose storage can keep one
// field of a resource unique. The generic StorageDecorator has no place for that, so the
// registry asks for it through this method instead of GetRESTOptions.
type UniqueIndexOptionsGetter interface {
	GetRESTOptionsWithUniqueIndex(resource schema.GroupResource, example runtime.Object, index unique.Index) (generic.RESTOptions, error)
}

// IDIndex describes the kind's O2 id as a unique index: the field selector key is the id's
// field path (every kind selects on its id; see the registry tests) and the value is the id.
func (k *Kind) IDIndex() unique.Index {
	want := reflect.TypeOf(k.NewFunc())
	return unique.Index{
		Field: k.IDPath.String(),
		Value: func(obj runtime.Object) (string, error) {
			// ID asserts the concrete type; check first so a stray object is an error, not a panic.
			if got := reflect.TypeOf(obj); got != want {
				return "", fmt.Errorf("%s id of a %v, want %v", k.Resource, got, want)
			}
			return *k.ID(obj), nil
		},
	}
}

// uniqueIDOptions asks the server's RESTOptionsGetter for storage that keeps the kind's O2 id
// unique. A getter without that ability (unit tests' plain getters) is used as is.
type uniqueIDOptions struct {
	generic.RESTOptionsGetter
	index unique.Index
}

func (g uniqueIDOptions) GetRESTOptions(resource schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	if u, ok := g.RESTOptionsGetter.(UniqueIndexOptionsGetter); ok {
		return u.GetRESTOptionsWithUniqueIndex(resource, example, g.index)
	}
	return g.RESTOptionsGetter.GetRESTOptions(resource, example)
}
