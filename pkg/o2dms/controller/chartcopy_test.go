package controller

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	helmaction "helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	kubefake "helm.sh/helm/v4/pkg/kube/fake"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"

	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// oneChart serves one chart object and counts fetches.
type oneChart struct {
	ch    *chart.Chart
	calls int
}

func (f *oneChart) Fetch(context.Context, helmrelease.Source) (*helmrelease.Fetched, error) {
	f.calls++
	return &helmrelease.Fetched{Chart: f.ch, Size: 1}, nil
}

// chartWithOptionalSub is a chart whose subchart db the values may disable (db.enabled).
func chartWithOptionalSub() *chart.Chart {
	sub := &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: "db", Version: "1.0.0"},
		Templates: []*common.File{{Name: "templates/db.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db}\n")}}}
	p := &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: "upf", Version: "1.0.0",
		Dependencies: []*chart.Dependency{{Name: "db", Version: "1.0.0", Condition: "db.enabled"}}},
		Values:    map[string]any{"db": map[string]any{"enabled": true}},
		Templates: []*common.File{{Name: "templates/cm.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: upf}\n")}}}
	p.SetDependencies(sub)
	return p
}

// helmInstall renders and records an install of ch with Helm's own install action, as the
// engine runs it, against an in-memory release store and a printing client.
func helmInstall(t *testing.T, ch *chart.Chart, namespace string, values map[string]any) *release.Release {
	t.Helper()
	cfg := &helmaction.Configuration{Releases: storage.Init(driver.NewMemory()),
		KubeClient: &kubefake.PrintingKubeClient{Out: io.Discard}, Capabilities: common.DefaultCapabilities}
	i := helmaction.NewInstall(cfg)
	i.ReleaseName, i.Namespace = "upf-1", namespace
	r, err := i.RunWithContext(context.Background(), ch, values)
	if err != nil {
		t.Error(err)
		return nil
	}
	return r.(*release.Release)
}

// TestRegressionCachedChartNotChangedByAnInstall: the chart cache handed every NfDeployment the
// same chart object, and Helm's install edits the chart it is given for the values given
// (ProcessDependencies drops the subcharts they disable). tenant-a's release of the operator's
// shared descriptor with db.enabled=false removed the db subchart from every later release of
// it: tenant-b asked for db and was installed without it (status DEPLOYED). Two workers
// installing at once edited one chart concurrently (a data race that can kill the process).
// Each Fetch now returns a copy; run with -race for the concurrent half.
func TestRegressionCachedChartNotChangedByAnInstall(t *testing.T) {
	f := &oneChart{ch: chartWithOptionalSub()}
	c := NewChartCache(f, 0, 0, nil)
	src := helmrelease.Source{RepoURL: "https://charts.example/stable", Name: "upf", Version: "1.0.0"}
	fetch := func() *chart.Chart {
		got, err := c.Fetch(context.Background(), src)
		if err != nil {
			// Called from the workers below too: no FailNow.
			t.Error(err)
			return chartWithOptionalSub()
		}
		return got.Chart
	}
	helmInstall(t, fetch(), "tenant-a", map[string]any{"db": map[string]any{"enabled": false}})
	rb := helmInstall(t, fetch(), "tenant-b", map[string]any{"db": map[string]any{"enabled": true}})
	if f.calls != 1 {
		t.Fatalf("fetched %d times, want the cache to serve the second", f.calls)
	}
	if rb == nil || !strings.Contains(rb.Manifest, "name: db") {
		t.Errorf("tenant-b asked for db and its release lacks the db subchart: another release's values changed the cached chart")
	}

	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for j := range 10 {
				helmInstall(t, fetch(), "ns", map[string]any{"db": map[string]any{"enabled": (w+j)%2 == 0}})
			}
		})
	}
	wg.Wait()
}
