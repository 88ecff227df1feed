package kindtest

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// HeldIDs hands out storage that only answers which object holds an O2 id, the one lookup the
// tenant boundary (kind.Tenancy) makes: for tests of kinds' references, dry-run or not,
// through a store's real BeginCreate and BeginUpdate, without a storage backend. It maps a
// resource ("resources") to its held ids, each to "namespace/name".
type HeldIDs map[string]map[string]string

// GetRESTOptions implements generic.RESTOptionsGetter.
func (h HeldIDs) GetRESTOptions(resource schema.GroupResource, _ runtime.Object) (generic.RESTOptions, error) {
	held := map[string]string{}
	for id, at := range h[resource.Resource] {
		held[unique.Key(id)] = at
	}
	return generic.RESTOptions{
		StorageConfig: storagebackend.NewDefaultConfig("", nil).ForResource(resource),
		Decorator: func(_ *storagebackend.ConfigForResource, prefix string, _ func(runtime.Object) (string, error),
			_ func() runtime.Object, _ func() runtime.Object, _ storage.AttrFunc, _ storage.IndexerFuncs, _ *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
			return &idIndex{prefix: prefix + "/", held: held}, func() {}, nil
		},
		ResourcePrefix: resource.Group + "/" + resource.Resource,
	}, nil
}

// idIndex answers the unique index lookup; every other storage call panics (nil Interface), as
// a test that reaches the storage is not one HeldIDs is for.
type idIndex struct {
	storage.Interface
	prefix string
	held   map[string]string
}

// KeyForUniqueValue returns the storage key of the object holding value.
func (i *idIndex) KeyForUniqueValue(_ context.Context, value string) (string, bool, error) {
	at, ok := i.held[unique.Key(value)]
	if !ok {
		return "", false, nil
	}
	return i.prefix + at, true, nil
}
