package helmrelease_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"

	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// cmChart renders one ConfigMap; its name and version are Helm's record of it.
func cmChart(name, version string) *chart.Chart {
	return &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: "v2", Name: name, Version: version},
		Templates: []*common.File{{Name: "templates/cm.yaml", Data: []byte(`apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  chart: {{ .Chart.Name | quote }}
`)}},
	}
}

// TestRegressionReleaseRecordsItsChartIdentity (found by review): Helm records a chart's name
// and version only, so a release told netweave nothing of which chart source (or digest pin)
// it came from, and the O2-DMS controller never upgraded an NfDeployment switched to another
// chart of the same version. Each revision now records the chart's identity as a release label:
// install and upgrade set it, a rollback takes the one of the revision it goes back to, and Get
// returns it.
func TestRegressionReleaseRecordsItsChartIdentity(t *testing.T) {
	ctx := context.Background()
	cp := stacktest.StartControlPlane(t, localstack.Options{})
	kube := kubernetes.NewForConfigOrDie(cp.RESTConfig(localstack.Admin))
	const ns = "nf-chart-id"
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	target := helmrelease.Target{Config: cp.RESTConfig(localstack.Admin), Namespace: ns}
	engine := helmrelease.NewEngine(helmrelease.Config{})
	upf := helmrelease.Source{RepoURL: "https://charts.example", Name: "upf", Version: "1.0.0"}
	nf := helmrelease.Source{RepoURL: "https://charts.example", Name: "nf", Version: "1.0.0"}
	if upf.ID() == nf.ID() {
		t.Fatalf("two charts of one version have one identity %s", upf.ID())
	}
	pinned := nf
	pinned.Digest = "sha256:0123"
	withCredentials := nf
	withCredentials.Username, withCredentials.Password = "u", "p"
	if pinned.ID() == nf.ID() || withCredentials.ID() != nf.ID() {
		t.Errorf("identity: a digest pin changes it (%v), credentials do not (%v)", pinned.ID() != nf.ID(), withCredentials.ID() == nf.ID())
	}

	check := func(what string, rel *helmrelease.Release, err error, want string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if rel.ChartID != want {
			t.Errorf("%s: revision %d chart identity %q, want %q", what, rel.Revision, rel.ChartID, want)
		}
		got, err := engine.Get(ctx, target, "rel")
		if err != nil {
			t.Fatalf("%s: get: %v", what, err)
		}
		if got.ChartID != want {
			t.Errorf("%s: Get says chart identity %q, want %q", what, got.ChartID, want)
		}
	}
	rel, err := engine.Apply(ctx, target, "rel", cmChart("upf", "1.0.0"), nil, upf.ID())
	check("install", rel, err, upf.ID())
	rel, err = engine.Apply(ctx, target, "rel", cmChart("nf", "1.0.0"), nil, nf.ID())
	check("upgrade to another chart of the same version", rel, err, nf.ID())
	rel, err = engine.Rollback(ctx, target, "rel", 1)
	check("rollback to revision 1", rel, err, upf.ID())
}
