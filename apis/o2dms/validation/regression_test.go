package validation

import (
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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

// TestRegressionNfDeploymentNameFitsARelease: an NfDeployment's name is its Helm release's,
// and Helm refuses release names longer than 53 characters. A 54-character name was admitted,
// failed every install, and its deletion never ended (the uninstall was refused too). It is
// now a 422 on metadata.name; 53 characters still pass.
func TestRegressionNfDeploymentNameFitsARelease(t *testing.T) {
	d := func(name string) *o2dms.NfDeployment {
		return &o2dms.NfDeployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "tenant-a"}, Spec: o2dms.NfDeploymentSpec{
			DescriptorRef: o2dms.DescriptorReference{Name: "upf"}, DeploymentManagerID: "39c85e74-2e98-4e3d-8fec-e5a849d967c6", TargetNamespace: "tenant-a"}}
	}
	if got := fieldsOf(ValidateNfDeployment(d(strings.Repeat("a", 54)))); !reflect.DeepEqual(got, []string{"metadata.name"}) {
		t.Errorf("54 characters: fields %v, want metadata.name", got)
	}
	if errs := ValidateNfDeployment(d(strings.Repeat("a", 53))); len(errs) != 0 {
		t.Errorf("53 characters: %v", errs)
	}
}
