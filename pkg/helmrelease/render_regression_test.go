package helmrelease

import (
	"context"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/engine"
)

// TestRegressionEscapedDelimitersAmplifyParentRendering: a chart whose templates render (in
// the bounded child) to nothing but "{{" must not make Helm's rendering of the escaped copy,
// which runs in this process, cost work in proportion to the number of delimiters: each one
// escaped as its own action made a parse node tree per two bytes of output, some 200 MiB of
// this process's memory per MiB the child was allowed to write.
func TestRegressionEscapedDelimitersAmplifyParentRendering(t *testing.T) {
	const n = 1 << 16
	ch := templateChart("app", map[string]string{"templates/a.yaml": `{{ repeat 65536 "{{" }}`}, nil)
	e := NewEngine(Config{})
	cfg := &action.Configuration{Capabilities: common.DefaultCapabilities}
	opts := common.ReleaseOptions{Name: "web", Namespace: "tenant-a", Revision: 1, IsInstall: true}
	rendered, err := e.renderedChart(context.Background(), cfg, copyChart(ch), map[string]any{}, opts)
	if err != nil {
		t.Fatalf("rendered chart: %v", err)
	}
	vals, err := util.ToRenderValues(rendered, map[string]any{}, opts, common.DefaultCapabilities)
	if err != nil {
		t.Fatalf("render values: %v", err)
	}
	var out map[string]string
	allocs := testing.AllocsPerRun(1, func() {
		out, err = engine.Render(rendered, vals)
	})
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	if got := out["app/templates/a.yaml"]; got != strings.Repeat("{{", n) {
		t.Fatalf("rendered to %d bytes, want %d bytes of delimiters", len(got), 2*n)
	}
	if allocs > n/8 {
		t.Fatalf("Helm's rendering of the escaped chart made %v allocations for %d delimiters", allocs, n)
	}
}
