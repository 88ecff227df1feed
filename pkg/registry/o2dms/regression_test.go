package o2dms_test

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/apis/o2dms"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

// TestRegressionMetadataErrorsAreCapped (found by TestStrategiesFuzz): the o2dms kinds left
// their metadata to the API server's own checks, which run after the strategy's and are not
// capped: a descriptor with a couple of MB of invalid labels got one error per label, and
// rendering them into the 422 took minutes. Their validation now checks the metadata too, so
// the strategy's cap (validation.MaxErrors) holds.
func TestRegressionMetadataErrorsAreCapped(t *testing.T) {
	f := servedStorage(t)
	labels := map[string]string{}
	for i := 0; i < 100000; i++ {
		labels[fmt.Sprintf("bad label %d", i)] = "x"
	}
	obj := &o2dms.NfDeploymentDescriptor{
		ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "tenant-a", Labels: labels},
		Spec: o2dms.NfDeploymentDescriptorSpec{
			Chart:   o2dms.ChartSource{OCI: &o2dms.OCIChartSource{Reference: "oci://registry.example.com/charts/app"}},
			Version: "1.0.0",
		},
	}
	ctx := genericapirequest.WithNamespace(context.Background(), "tenant-a")
	errs := rest.ValidateCreate(ctx, obj, kindtest.StoreOf(f.Storage["nfdeploymentdescriptors"]).CreateStrategy)
	if len(errs) == 0 || len(errs) > validation.MaxErrors {
		t.Errorf("%d errors, want some and at most %d", len(errs), validation.MaxErrors)
	}
}
