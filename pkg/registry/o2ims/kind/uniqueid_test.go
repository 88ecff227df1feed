package kind_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/deploymentmanager"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/inventorysubscription"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/location"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/ocloud"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/ocloudsite"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resource"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resourcepool"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resourcetype"
	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// TestIDIndexIsTheIDFieldSelector: the cache answers a list from the id index only when the
// field selector key equals the index's Field, so that key must be one the kind selects on and
// must carry the id.
func TestIDIndexIsTheIDFieldSelector(t *testing.T) {
	for _, k := range []*kind.Kind{ocloud.Kind(), resourcetype.Kind(), resourcepool.Kind(), resource.Kind(),
		deploymentmanager.Kind(), location.Kind(), ocloudsite.Kind(), inventorysubscription.Kind()} {
		obj := k.NewFunc()
		*k.ID(obj) = "0A1B-" + k.Resource
		idx := k.IDIndex()
		set, err := k.Fields(obj)
		if err != nil {
			t.Fatal(err)
		}
		selectable, ok := set[idx.Field]
		if !ok {
			t.Errorf("%s: id field %q is not selectable", k.Resource, idx.Field)
			continue
		}
		got, err := idx.Value(obj)
		if err != nil || got != selectable || got != "0A1B-"+k.Resource {
			t.Errorf("%s: index value %q (%v), selectable value %q", k.Resource, got, err, selectable)
		}
	}
}

func TestIDIndexRejectsOtherTypes(t *testing.T) {
	idx := resourcepool.Kind().IDIndex()
	if _, err := idx.Value(&o2ims.Location{}); err == nil {
		t.Fatal("a Location passed as a ResourcePool should be an error")
	}
}

// recordingGetter is a RESTOptionsGetter that can enforce a unique index and records the
// index it was asked for.
type recordingGetter struct {
	generic.RESTOptionsGetter
	got *unique.Index
}

func (g recordingGetter) GetRESTOptionsWithUniqueIndex(resource schema.GroupResource, example runtime.Object, idx unique.Index) (generic.RESTOptions, error) {
	*g.got = idx
	return g.RESTOptionsGetter.GetRESTOptions(resource, example)
}

func TestNewRESTAsksForTheIDIndex(t *testing.T) {
	got := &unique.Index{}
	getter := recordingGetter{RESTOptionsGetter: plainGetter{}, got: got}
	if _, _, err := resourcepool.NewREST(runtime.NewScheme(), getter, nil); err != nil {
		t.Fatal(err)
	}
	if got.Field != "spec.resourcePoolId" || got.Value == nil {
		t.Fatalf("storage was asked for index %q, want spec.resourcePoolId", got.Field)
	}
}

// plainGetter hands out options whose decorator builds no storage: the test only looks at how
// the registry asks for it.
type plainGetter struct{}

func (plainGetter) GetRESTOptions(resource schema.GroupResource, _ runtime.Object) (generic.RESTOptions, error) {
	return generic.RESTOptions{
		StorageConfig: storagebackend.NewDefaultConfig("", nil).ForResource(resource),
		Decorator: func(*storagebackend.ConfigForResource, string, func(runtime.Object) (string, error),
			func() runtime.Object, func() runtime.Object, storage.AttrFunc, storage.IndexerFuncs, *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
			return nil, func() {}, nil
		},
		ResourcePrefix: resource.Group + "/" + resource.Resource,
	}, nil
}
