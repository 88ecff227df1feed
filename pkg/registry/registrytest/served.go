// Package registrytest builds, for tests, the registry's storage as the server serves it.
package registrytest

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

// StrategyFuzz is a strategy fuzz of every resource of group, on the storage the server
// builds (on no backend), with funcs filling the objects.
func StrategyFuzz(t testing.TB, group string, funcs fuzzer.FuzzerFuncs) *kindtest.StrategyFuzz {
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
		Scheme: scheme, Codecs: codecs, Group: group, Storage: storage[group],
		StorageCodec: apiserver.StorageCodec(codecs), Funcs: funcs,
	}
}

// RunStrategyFuzz runs f with full iterations per kind, short under -short (fewer: -short is
// the quick run), from seed.
func RunStrategyFuzz(t *testing.T, f *kindtest.StrategyFuzz, full, short int, seed int64) {
	t.Helper()
	f.Iterations, f.Seed = full, seed
	if testing.Short() {
		f.Iterations = short
	}
	f.Run(t)
}
