package o2ims_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"

	"github.com/netweave-io/netweave/apis/o2ims"
	o2fuzzer "github.com/netweave-io/netweave/apis/o2ims/fuzzer"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
	"github.com/netweave-io/netweave/pkg/registry/registrytest"
)

// servedStorage is the storage of every served resource of the group as the server builds
// it, on no backend.
func servedStorage(t testing.TB) *kindtest.StrategyFuzz {
	return registrytest.StrategyFuzz(t, o2ims.GroupName, fuzzer.MergeFuzzerFuncs(metafuzzer.Funcs, o2fuzzer.Funcs))
}

// TestStrategiesFuzz: no object a client can send, fuzzed or nasty, makes a strategy, a field
// selector or a table of an o2ims.oran.org kind panic or answer 500; every validation error
// names its field and comes out the same twice; an update never changes the stored object.
func TestStrategiesFuzz(t *testing.T) {
	registrytest.RunStrategyFuzz(t, servedStorage(t), 10, 3, 1)
}
