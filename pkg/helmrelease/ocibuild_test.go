package helmrelease

import (
	"context"
	"net/http"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2dms/validation"
)

// TestRegressionOCIChartVersionWithBuildMetadata: OCI tags cannot hold "+", so Helm pushes a
// chart of version 1.2.3+build.1 under the tag 1.2.3_build.1 and `helm pull --version
// 1.2.3+build.1` asks for that tag. Admission accepts spec.version 1.2.3+build.1 (a semantic
// version), but the fetcher builds the reference "<repo>:1.2.3+build.1", which is not a valid
// reference: every fetch fails (ChartUnavailable, "the OCI registry refused or failed the
// pull") and the NfDeployment could never be installed. The tag is pulled as Helm pushes it.
func TestRegressionOCIChartVersionWithBuildMetadata(t *testing.T) {
	const version = "1.2.3+build.1"
	if errs := validation.ValidateChartVersion(version, field.NewPath("spec", "version")); len(errs) != 0 {
		t.Fatalf("admission refuses %s: %v", version, errs)
	}
	archive := chartArchive(t, "nf", version)
	reg := newOCIRegistry(t, archive, "1.2.3_build.1", 0) // the tag helm push gives it
	f := &Fetcher{HTTP: &http.Client{}, PlainHTTPRegistries: true}
	got, err := f.Fetch(context.Background(), Source{OCIRef: reg.ref(), Version: version})
	if err != nil {
		t.Fatalf("admitted chart version %s from an OCI registry cannot be fetched: %v (status class %q)", version, err, FailureClass(err))
	}
	if got.Chart.Metadata.Version != version {
		t.Errorf("fetched %s", got.Chart.Metadata.Version)
	}
}
