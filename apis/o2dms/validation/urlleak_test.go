package validation

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2dms"
	"github.com/netweave-io/netweave/apis/o2ims"
	imsvalidation "github.com/netweave-io/netweave/apis/o2ims/validation"
)

// TestRegressionRefusedURLsAreNotQuoted: a chart URL refused for carrying credentials or a
// query, and a callback that does not parse, were quoted back in the 422, and the API server's
// audit log records a refusal's message even at Metadata level, the level chosen so that no
// credential reaches it. The refusals now name the field and the rule, not the URL.
func TestRegressionRefusedURLsAreNotQuoted(t *testing.T) {
	for _, url := range []string{
		"https://deployer:hunter2@charts.example/nf",
		"https://charts.example/nf?token=hunter2",
		"https://charts.example/nf#hunter2",
		"https://deployer:hunter2@charts.example/%zz",
		"ftp://deployer:hunter2@charts.example/nf",
	} {
		d := &o2dms.NfDeploymentDescriptor{ObjectMeta: metav1.ObjectMeta{Name: "nf", Namespace: "t"},
			Spec: o2dms.NfDeploymentDescriptorSpec{Version: "1.0.0", Chart: o2dms.ChartSource{Repository: &o2dms.RepositoryChartSource{URL: url, Name: "nf"}}}}
		errs := ValidateNfDeploymentDescriptor(d)
		if len(errs) == 0 {
			t.Errorf("%s: accepted", url)
		} else if msg := errs.ToAggregate().Error(); strings.Contains(msg, "hunter2") {
			t.Errorf("%s: refused quoting it: %s", url, msg)
		}
	}
	for _, callback := range []string{"hunter2", "/notify?token=hunter2", "https://smo.example/%zz?token=hunter2"} {
		errs := imsvalidation.ValidateSubscriptionSpec("", "", callback, (*o2ims.SecretKeyRef)(nil))
		if len(errs) == 0 {
			t.Errorf("callback %s: accepted", callback)
		} else if msg := errs.ToAggregate().Error(); strings.Contains(msg, "hunter2") {
			t.Errorf("callback %s: refused quoting it: %s", callback, msg)
		}
	}
}
