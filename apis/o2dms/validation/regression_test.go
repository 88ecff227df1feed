package validation

import (
	"reflect"
	"testing"

	"github.com/netweave-io/netweave/apis/o2dms"
)

// TestRegressionWorkloadErrorsInOrder (found by the registry's strategy fuzz test): a
// workload's missing fields were checked in Go's random map order, so the same status got its
// errors in a different order on every try.
func TestRegressionWorkloadErrorsInOrder(t *testing.T) {
	status := &o2dms.NfDeploymentStatus{Workloads: []o2dms.WorkloadStatus{{}}}
	first := ValidateNfDeploymentStatus(status)
	if len(first) != 3 {
		t.Fatalf("want apiVersion, kind and name required, got %v", first)
	}
	for i := 0; i < 20; i++ {
		if got := ValidateNfDeploymentStatus(status); !reflect.DeepEqual(got, first) {
			t.Fatalf("errors in another order:\n%v\n%v", first, got)
		}
	}
}
