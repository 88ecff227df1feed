package kind_test

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resourcepool"
)

// oneObject is a storage holding one object: an update reads it and runs the update function
// on it, as the Redis store's GuaranteedUpdate does.
type oneObject struct {
	storage.Interface
	obj runtime.Object
}

func (oneObject) Versioner() storage.Versioner { return storage.APIObjectVersioner{} }

func (s oneObject) GuaranteedUpdate(ctx context.Context, _ string, dest runtime.Object, _ bool, _ *storage.Preconditions,
	tryUpdate storage.UpdateFunc, _ runtime.Object) error {
	_, _, err := tryUpdate(s.obj.DeepCopyObject(), storage.ResponseMeta{})
	return err
}

type oneObjectGetter struct{ obj runtime.Object }

func (g oneObjectGetter) GetRESTOptions(resource schema.GroupResource, _ runtime.Object) (generic.RESTOptions, error) {
	return generic.RESTOptions{
		StorageConfig: storagebackend.NewDefaultConfig("", nil).ForResource(resource),
		Decorator: func(*storagebackend.ConfigForResource, string, func(runtime.Object) (string, error),
			func() runtime.Object, func() runtime.Object, storage.AttrFunc, storage.IndexerFuncs, *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
			return oneObject{obj: g.obj}, func() {}, nil
		},
		ResourcePrefix: resource.Group + "/" + resource.Resource,
	}, nil
}

// strategicMerge is the generic PATCH handler's strategic merge of patch into the stored object
// (handlers.strategicPatchObject), which returns the merge's error as it is.
func strategicMerge(patch map[string]interface{}) rest.UpdatedObjectInfo {
	return rest.DefaultUpdatedObjectInfo(nil, func(_ context.Context, _, current runtime.Object) (runtime.Object, error) {
		orig, err := runtime.DefaultUnstructuredConverter.ToUnstructured(current)
		if err != nil {
			return nil, err
		}
		merged, err := strategicpatch.StrategicMergeMapPatch(orig, patch, &v1alpha1.ResourcePool{})
		if err != nil {
			return nil, err
		}
		out := &o2ims.ResourcePool{}
		return out, runtime.DefaultUnstructuredConverter.FromUnstructured(merged, out)
	})
}

// TestRegressionStrategicMergeIntoExtensionIsNot500: `kubectl patch` (a strategic merge patch
// by default) of an O2 extension holding an object answered 500 Internal Server Error: the
// merge looks each key of the free-form value up as a Go struct field and the handler passes
// its plain error through. It is the patch that is wrong for this field: 400, saying what works.
func TestRegressionStrategicMergeIntoExtensionIsNot500(t *testing.T) {
	stored := &o2ims.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", ResourceVersion: "7", UID: "u"},
		Spec: o2ims.ResourcePoolSpec{ResourcePoolID: "39c85e74-2e98-4e3d-8fec-e5a849d967c6", Name: "p",
			Extensions: o2ims.Extensions{"rack": o2ims.JSON{Raw: []byte(`{"row":1}`)}}},
	}
	main, status, err := resourcepool.NewREST(runtime.NewScheme(), oneObjectGetter{stored}, nil)
	if err != nil {
		t.Fatal(err)
	}
	patch := map[string]interface{}{"spec": map[string]interface{}{"extensions": map[string]interface{}{"rack": map[string]interface{}{"row": 2}}}}
	ctx := genericapirequest.WithNamespace(context.Background(), "ns")
	ctx = genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{IsResourceRequest: true, Verb: "patch",
		APIGroup: "o2ims.oran.org", APIVersion: "v1alpha1", Namespace: "ns", Resource: "resourcepools", Name: "p"})
	for name, updater := range map[string]rest.Updater{"main": main, "status": status} {
		_, _, err := updater.Update(ctx, "p", strategicMerge(patch), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
		if !apierrors.IsBadRequest(err) {
			t.Errorf("%s: strategic merge into an extension's object: %v (%s), want 400 Bad Request", name, err, apierrors.ReasonForError(err))
		}
	}
}
