package helmrelease

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
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

// TestRegressionMarkupInManifestsPastTheOutputBound: the child wrote its answer with JSON's
// HTML escaping, six bytes for each <, > and &, so manifests within the output bound that are
// mostly markup (an HTML page in a ConfigMap) made a line past what the parent reads, and the
// install failed on a bound it was within.
func TestRegressionMarkupInManifestsPastTheOutputBound(t *testing.T) {
	r := newRenderers(RenderLimits{Output: 1 << 20}.complete(), nil)
	req := renderRequest{Chart: treeOf(templateChart("app", map[string]string{"templates/a.yaml": `{{ repeat 600000 "<" }}`}, nil)), Values: map[string]any{},
		Options: common.ReleaseOptions{Name: "r", Namespace: "ns", Revision: 1, IsInstall: true}, Capabilities: common.DefaultCapabilities}
	out, err := r.render(context.Background(), req, nil)
	if err != nil {
		t.Fatalf("600,000 bytes of markup with an output bound of 1 MiB: %v", err)
	}
	if got := out["app/templates/a.yaml"]; got != strings.Repeat("<", 600000) {
		t.Fatalf("rendered to %d bytes", len(got))
	}
}

// TestRenderedChartHasNoSchema: the values were checked against the chart's schema in the
// child; the copy Helm installs carries none, so this process does no work the chart's writer
// chose (a schema is the writer's as much as the templates are).
func TestRenderedChartHasNoSchema(t *testing.T) {
	ch := templateChart("app", map[string]string{"templates/a.yaml": `a`}, nil)
	ch.Schema = []byte(`{"type":"object","properties":{"a":{"type":"string"}}}`)
	e := NewEngine(Config{})
	cfg := &action.Configuration{Capabilities: common.DefaultCapabilities}
	opts := common.ReleaseOptions{Name: "web", Namespace: "tenant-a", Revision: 1, IsInstall: true}
	if _, err := e.renderedChart(context.Background(), cfg, copyChart(ch), map[string]any{"a": float64(1)}, opts); err == nil || !strings.Contains(err.Error(), "schema") {
		t.Fatalf("values the schema refuses: %v", err)
	}
	rendered, err := e.renderedChart(context.Background(), cfg, copyChart(ch), map[string]any{"a": "x"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rendered.Schema != nil {
		t.Errorf("the rendered chart carries the schema: %s", rendered.Schema)
	}
}

// TestRegressionManyObjectsHoldAWorker: a chart's manifests were bounded in bytes only, and
// 16 MiB of them holds ~250,000 small objects, each created (or read and patched) by Helm at
// the target's rate limit: one install held a worker every tenant shares for hours. A
// rendering naming more than RenderLimits.Objects objects, as documents or as a List's items,
// is past a bound of the rendering.
func TestRegressionManyObjectsHoldAWorker(t *testing.T) {
	r := newRenderers(RenderLimits{Objects: 100}.complete(), nil)
	render := func(template string) error {
		req := renderRequest{Chart: treeOf(templateChart("app", map[string]string{"templates/a.yaml": template, "templates/NOTES.txt": "---\na: b\n"}, nil)),
			Values: map[string]any{}, Options: common.ReleaseOptions{Name: "r", Namespace: "ns", Revision: 1, IsInstall: true}, Capabilities: common.DefaultCapabilities}
		_, err := r.render(context.Background(), req, nil)
		return err
	}
	documents := func(n int) string {
		return fmt.Sprintf("{{ range until %d }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c{{ . }}}\n{{ end }}", n)
	}
	if err := render(strings.Repeat("---\n# nothing\n\n", 1000) + documents(100)); err != nil {
		t.Fatalf("100 objects, the bound, among empty documents: %v", err)
	}
	if err := render(documents(101)); !errors.Is(err, ErrRenderBound) || !strings.Contains(err.Error(), "more than 100 objects") {
		t.Errorf("101 documents: %v, want past the bound of 100 objects", err)
	}
	list := "apiVersion: v1\nkind: List\nitems:\n{{- range until 101 }}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c{{ . }}}}\n{{- end }}\n"
	if err := render(list); !errors.Is(err, ErrRenderBound) {
		t.Errorf("a List of 101 items: %v, want past the bound of 100 objects", err)
	}
}

// TestRegressionRenderedYAMLParsedOutsideTheBound (found by review): what the child renders is
// parsed as YAML in netweave's own process (Helm's releaseutil.SortManifests, then its kube
// client's decoding of each object, then the workloads' reading of the manifest), at some
// hundred bytes of memory per YAML node, and a node may take two bytes. A template of
// `foo: [{{ repeat 2000000 "a," }}a]` rendered 4 MiB within every bound of the child, and
// SortManifests alone took 560 MiB of this process for it; at the 16 MiB output bound, past the
// chart's 1 GiB container limit. The child now parses its rendering as Helm will, within its
// memory bound.
func TestRegressionRenderedYAMLParsedOutsideTheBound(t *testing.T) {
	ch := templateChart("app", map[string]string{"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nfoo: [{{ repeat 2000000 \"a,\" }}a]\n"}, nil)
	e := NewEngine(Config{Render: RenderLimits{Memory: 128 << 20}})
	cfg := &action.Configuration{Capabilities: common.DefaultCapabilities}
	opts := common.ReleaseOptions{Name: "web", Namespace: "tenant-a", Revision: 1, IsInstall: true}
	_, err := e.renderedChart(context.Background(), cfg, ch, map[string]any{}, opts)
	if !errors.Is(err, ErrRenderBound) || !strings.Contains(err.Error(), "MiB") {
		t.Fatalf("a rendering of 4 MiB of one-letter YAML nodes: err = %.300v, want ErrRenderBound saying \"MiB\"", err)
	}

	// Ordinary manifests, many of them, are parsed within the bound.
	ok := templateChart("app", map[string]string{"templates/cm.yaml": `{{ range until 2000 }}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-{{ . }}, labels: {app: web}}
data: {a: "1", b: "2", c: "3"}
{{ end }}`}, nil)
	if _, err := e.renderedChart(context.Background(), cfg, ok, map[string]any{}, opts); err != nil {
		t.Fatalf("2000 ConfigMaps: %v", err)
	}
}

// TestRegressionChartCRDsParsedOutsideTheBound: on an install Helm parses the files of the
// chart's crds/ directories (and its subcharts') as YAML in netweave's own process, before the
// templates' manifests (its installCRDs builds each file's objects), and those files are
// neither templates, which the child parses within its bound, nor the values and Chart.yaml
// the unpack bound counts: 4 MiB of `[a,a,...]` in crds/, a few KiB of archive, cost this
// process hundreds of MiB, as the rendered manifests did. The child parses them too now.
func TestRegressionChartCRDsParsedOutsideTheBound(t *testing.T) {
	bomb := "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: xs.example.com}\nspec: {x: [" + strings.Repeat("a,", 2000000) + "a]}\n"
	e := NewEngine(Config{Render: RenderLimits{Memory: 128 << 20}})
	cfg := &action.Configuration{Capabilities: common.DefaultCapabilities}
	install := common.ReleaseOptions{Name: "web", Namespace: "tenant-a", Revision: 1, IsInstall: true}
	for name, ch := range map[string]*chart.Chart{
		"the chart's": crdChart("app", "crds/x.yaml", bomb),
		"a subchart's": func() *chart.Chart {
			parent := templateChart("app", map[string]string{"templates/a.yaml": "a: b"}, nil)
			parent.AddDependency(crdChart("sub", "crds/x.json", bomb))
			return parent
		}(),
		// Helm builds each file in the chart's order, whatever a file's name.
		"a partial-like name's":            crdChart("app", "crds/_x.yaml", bomb),
		"after a file that does not parse": crdChart("app", "crds/b.yaml", bomb, "crds/a.yaml", "x: ["),
	} {
		_, err := e.renderedChart(context.Background(), cfg, ch, map[string]any{}, install)
		if !errors.Is(err, ErrRenderBound) || !strings.Contains(err.Error(), "MiB") {
			t.Errorf("%s crds/ of 4 MiB of one-letter YAML nodes: err = %.300v, want ErrRenderBound saying \"MiB\"", name, err)
		}
	}
	// Ordinary CRDs are parsed within the bound.
	ok := crdChart("app", "crds/x.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: xs.example.com}\nspec: {group: example.com}\n")
	if _, err := e.renderedChart(context.Background(), cfg, ok, map[string]any{}, install); err != nil {
		t.Fatalf("a chart with a CRD: %v", err)
	}
}

// crdChart is a chart of one template whose crds/ holds files, given as name and data pairs,
// in that order.
func crdChart(name string, files ...string) *chart.Chart {
	ch := templateChart(name, map[string]string{"templates/a.yaml": "a: b"}, nil)
	for i := 0; i+1 < len(files); i += 2 {
		ch.Files = append(ch.Files, &common.File{Name: files[i], Data: []byte(files[i+1])})
	}
	return ch
}

// TestRegressionRenderedDocumentParsedCheaply: the child parses the rendering within its memory
// bound (256 MiB by default), but Helm parses each document again in netweave's own process,
// once per worker at a time: a document of 640 KiB of `[a,a,...]` cost ~85 MiB to parse there,
// twice with two workers, and one near the child's bound ~250 MiB each, none of it counted in
// any bound. Each document's parse is now held to RenderLimits.Document (64 MiB by default),
// in the templates' rendering and in crds/ alike, where the largest real documents cost 9 MiB.
func TestRegressionRenderedDocumentParsedCheaply(t *testing.T) {
	bomb := "[" + strings.Repeat("a,", 320000) + "a]"
	e := NewEngine(Config{})
	cfg := &action.Configuration{Capabilities: common.DefaultCapabilities}
	install := common.ReleaseOptions{Name: "web", Namespace: "tenant-a", Revision: 1, IsInstall: true}
	for name, ch := range map[string]*chart.Chart{
		"a template's": templateChart("app", map[string]string{
			"templates/a.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
			"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\nfoo: " + bomb + "\n"}, nil),
		"a crds/ file's": crdChart("app", "crds/x.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: xs.example.com}\nspec: {x: "+bomb+"}\n"),
	} {
		_, err := e.renderedChart(context.Background(), cfg, ch, map[string]any{}, install)
		if !errors.Is(err, ErrRenderBound) || !strings.Contains(err.Error(), "to parse") {
			t.Errorf("%s document of 640 KiB of one-letter YAML nodes: err = %.300v, want ErrRenderBound saying \"to parse\"", name, err)
		}
	}

	// A document as large, of ordinary YAML (long strings, as in the largest real CRDs), is
	// parsed within the bound.
	var doc strings.Builder
	doc.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n")
	for i := 0; doc.Len() < 640<<10; i++ {
		fmt.Fprintf(&doc, "  key-%d: %q\n", i, strings.Repeat("description of a field ", 20))
	}
	ok := templateChart("app", map[string]string{"templates/cm.yaml": escapeTemplate(doc.String())}, nil)
	if _, err := e.renderedChart(context.Background(), cfg, ok, map[string]any{}, install); err != nil {
		t.Fatalf("a ConfigMap of 640 KiB of strings: %v", err)
	}
}
