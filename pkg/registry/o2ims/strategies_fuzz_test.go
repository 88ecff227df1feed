package o2ims_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/netweave-io/netweave/apis/o2ims"
	o2fuzzer "github.com/netweave-io/netweave/apis/o2ims/fuzzer"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

// servedStorage is the storage of every served resource as the server builds it, on no backend.
func servedStorage(t testing.TB) *kindtest.StrategyFuzz {
	t.Helper()
	scheme, codecs := apiserver.NewScheme()
	storage, err := apiserver.NewStorage(scheme, kindtest.NullGetter{}, apiserver.TenancyConfig{
		InventoryNamespace: "o2ims-inventory", SubscriptionNamespace: "o2ims-system",
		Authorizer: authorizer.AuthorizerFunc((&kindtest.SecretReaders{}).Authorize), ProvisioningNamespaces: []string{"tenant-a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &kindtest.StrategyFuzz{
		Scheme: scheme, Codecs: codecs, Group: o2ims.GroupName, Storage: storage[o2ims.GroupName],
		StorageCodec: apiserver.StorageCodec(codecs),
		Funcs:        fuzzer.MergeFuzzerFuncs(metafuzzer.Funcs, o2fuzzer.Funcs),
	}
}

// TestStrategiesFuzz: no object a client can send, fuzzed or nasty, makes a strategy, a field
// selector or a table of an o2ims.oran.org kind panic or answer 500; every validation error
// names its field and comes out the same twice; an update never changes the stored object.
func TestStrategiesFuzz(t *testing.T) {
	f := servedStorage(t)
	f.Iterations, f.Seed = 3, 1
	if testing.Short() {
		f.Iterations = 10
	}
	f.Run(t)
}
