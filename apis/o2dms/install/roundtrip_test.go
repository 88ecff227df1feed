package install

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	"k8s.io/apimachinery/pkg/api/apitesting/roundtrip"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"

	dmsfuzzer "github.com/netweave-io/netweave/apis/o2dms/fuzzer"
)

// TestRoundTripTypes fuzzes every kind through internal -> v1alpha1 -> JSON and back, so a
// conversion or a JSON tag that drops a field fails here before it loses data in Redis.
func TestRoundTripTypes(t *testing.T) {
	roundtrip.RoundTripTestForAPIGroup(t, Install, fuzzer.MergeFuzzerFuncs(metafuzzer.Funcs, dmsfuzzer.Funcs))
}
