package controller

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionUpgradeToVanishedTemplateSaysSo: a request changed to v1.34.0 (admitted while
// its template existed) whose template went away before the controller applied it used to
// stay PROGRESSING "upgrading to v1.34.0: setting version v1.34.0 on Cluster …" for ever,
// though nothing would set it. Now it says the change is not applied and why.
func TestRegressionUpgradeToVanishedTemplateSaysSo(t *testing.T) {
	req := request("tenant-a")
	req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	req.Spec.TemplateVersion = "v1.34.0"
	top, err := topology(request("tenant-a"), template("v1.33.0"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, []*clusterv1.Cluster{newCluster(req, ClusterName("tenant-a", id), top)}, req, template("v1.33.0"))
	f.reconcile(t, "tenant-a")
	if c := f.cluster(t, "tenant-a"); c.Spec.Topology.Version != "v1.33.0" {
		t.Errorf("Cluster version changed to %s", c.Spec.Topology.Version)
	}
	got := f.request(t, "tenant-a")
	cond := meta.FindStatusCondition(got.Status.Conditions, ConditionFulfilled)
	if got.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed || cond == nil || cond.Reason != ReasonNotApplied ||
		!strings.Contains(got.Status.Message, "demo.v1.34.0") {
		t.Errorf("status %s %q, Fulfilled %+v; want FAILED, SpecNotApplied naming the missing template", got.Status.ProvisioningPhase, got.Status.Message, cond)
	}
}

// TestRegressionTemplateNotFoundNamesWhereItLooked: a request whose server-recorded template
// namespace is its own used to be told its template was not found "in namespace tenant-a or
// o2ims-system", though the controller never looked in the operator's namespace for it.
func TestRegressionTemplateNotFoundNamesWhereItLooked(t *testing.T) {
	req := request("tenant-a")
	req.Spec.TemplateNamespace = "tenant-a"
	f := newFixture(t, nil, req, template("v1.33.0"))
	f.reconcile(t, "tenant-a")
	got := f.request(t, "tenant-a")
	if got.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed || strings.Contains(got.Status.Message, inv) ||
		!strings.Contains(got.Status.Message, "tenant-a") {
		t.Errorf("status %s %q; want FAILED naming tenant-a only", got.Status.ProvisioningPhase, got.Status.Message)
	}
}
