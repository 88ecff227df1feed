package provisioningrequest

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/managedinfrastructuretemplate"
)

// emptyStorage holds nothing: every Get is NotFound.
type emptyStorage struct{ storage.Interface }

func (emptyStorage) Get(_ context.Context, key string, _ storage.GetOptions, _ runtime.Object) error {
	return storage.NewKeyNotFoundError(key, 0)
}

type emptyGetter struct{}

func (emptyGetter) GetRESTOptions(resource schema.GroupResource, _ runtime.Object) (generic.RESTOptions, error) {
	return generic.RESTOptions{
		StorageConfig: storagebackend.NewDefaultConfig("", nil).ForResource(resource),
		Decorator: func(*storagebackend.ConfigForResource, string, func(runtime.Object) (string, error),
			func() runtime.Object, func() runtime.Object, storage.AttrFunc, storage.IndexerFuncs, *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
			return emptyStorage{}, func() {}, nil
		},
		ResourcePrefix: resource.Group + "/" + resource.Resource,
	}, nil
}

// TestRegressionTemplateNameWithSlashIsAFieldErrorNot500: a templateName (or templateVersion)
// with a "/" or "%" made the template lookup fail in the store's key function (not a valid
// object name), which admission answered as a 500 Internal Error "read template ...", for a
// request that merely names no template: the writer got no field path and a server fault.
func TestRegressionTemplateNameWithSlashIsAFieldErrorNot500(t *testing.T) {
	tn := kind.NewTenancy(inventoryNS, nil, nil)
	if _, _, err := managedinfrastructuretemplate.NewREST(runtime.NewScheme(), emptyGetter{}, tn); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, r := range []*o2ims.ProvisioningRequest{
		{Spec: o2ims.ProvisioningRequestSpec{Name: "r", TemplateName: "demo/x", TemplateVersion: "v1.34.0"}},
		{Spec: o2ims.ProvisioningRequestSpec{Name: "r", TemplateName: "demo", TemplateVersion: "v1%2e34"}},
	} {
		r.Name, r.Namespace = "123e4567-e89b-12d3-a456-426614174000", inventoryNS
		r.Spec.ProvisioningRequestID = r.Name
		errs := validation.ValidateProvisioningRequest(r)
		if len(errs) == 0 {
			var err error
			errs, err = Admit(ctx, tenancyLookups{tn}, Options{}, inventoryNS, r, nil)
			if err != nil {
				t.Errorf("%s.%s: %v, want a field error", r.Spec.TemplateName, r.Spec.TemplateVersion, err)
				continue
			}
		}
		if len(errs) == 0 || !(errs[0].Field == "spec.templateName" || errs[0].Field == "spec.templateVersion") {
			t.Errorf("%s.%s: %v, want an error of spec.templateName or spec.templateVersion", r.Spec.TemplateName, r.Spec.TemplateVersion, errs)
		}
	}
}
