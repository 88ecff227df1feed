package helmrelease

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"
)

// TestMain lets the test binary serve as the chart renderer (render.go), as netweave's main
// does.
func TestMain(m *testing.M) {
	ServeRenderChild()
	os.Exit(m.Run())
}

func templateChart(name string, templates map[string]string, values map[string]any) *chart.Chart {
	ch := &chart.Chart{Metadata: &chart.Metadata{Name: name, Version: "0.1.0", APIVersion: chart.APIVersionV2}, Values: values}
	for _, n := range slices.Sorted(maps.Keys(templates)) {
		ch.Templates = append(ch.Templates, &common.File{Name: n, Data: []byte(templates[n])})
	}
	return ch
}

// helmRender is what Helm's install renders for ch, values and opts in process.
func helmRender(t *testing.T, ch *chart.Chart, values map[string]any, opts common.ReleaseOptions) map[string]string {
	t.Helper()
	ch = copyChart(ch)
	if err := chartutil.ProcessDependencies(ch, values); err != nil {
		t.Fatalf("process dependencies: %v", err)
	}
	vals, err := util.ToRenderValuesWithSchemaValidation(ch, values, opts, common.DefaultCapabilities, false)
	if err != nil {
		t.Fatalf("render values: %v", err)
	}
	out, err := engine.Render(ch, vals)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return out
}

// TestRenderedChartRendersAsHelmWould: Helm's rendering of the chart the child's output makes
// is, file by file, what Helm's rendering of the original chart is: values (numbers
// included), release options, subcharts under aliases and disabled by a condition, partials,
// NOTES.txt, and text that looks like a template action.
func TestRenderedChartRendersAsHelmWould(t *testing.T) {
	sub := templateChart("sub", map[string]string{
		"templates/_name.tpl": `{{ define "sub.name" }}{{ .Chart.Name }}-{{ .Release.Name }}{{ end }}`,
		"templates/svc.yaml":  "kind: Service\nmetadata:\n  name: {{ include \"sub.name\" . }}\nport: {{ .Values.port }}\n",
	}, map[string]any{"port": float64(80)})
	top := templateChart("app", map[string]string{
		"templates/cm.yaml": "kind: ConfigMap\ndata:\n  replicas: {{ .Values.replicas | quote }}\n  ratio: {{ printf \"%v\" .Values.ratio }}\n" +
			"  alert: {{ `{{ $labels.instance }} is {{{down}}}` | quote }}\n  revision: \"{{ .Release.Revision }} {{ .Release.IsUpgrade }}\"\n" +
			"  kube: {{ .Capabilities.KubeVersion.Version }}\n",
		"templates/NOTES.txt": "Installed {{ .Release.Name }}.\n",
	}, map[string]any{"replicas": float64(3), "ratio": 0.5})
	top.Metadata.Dependencies = []*chart.Dependency{
		{Name: "sub", Version: "0.1.0", Alias: "first"},
		{Name: "sub", Version: "0.1.0", Alias: "second", Condition: "second.enabled"},
	}
	top.AddDependency(sub)
	values := map[string]any{"ratio": 0.25, "first": map[string]any{"port": float64(8080)}, "second": map[string]any{"enabled": false}}
	opts := common.ReleaseOptions{Name: "web", Namespace: "tenant-a", Revision: 4, IsUpgrade: true}

	e := NewEngine(Config{})
	cfg := &action.Configuration{Capabilities: common.DefaultCapabilities}
	rendered, err := e.renderedChart(context.Background(), cfg, copyChart(top), values, opts)
	if err != nil {
		t.Fatalf("rendered chart: %v", err)
	}
	got, want := helmRender(t, rendered, values, opts), helmRender(t, top, values, opts)
	if !maps.Equal(got, want) {
		t.Fatalf("Helm's rendering of the rendered chart differs from the chart's:\n got %q\nwant %q", got, want)
	}
	if cm := got["app/templates/cm.yaml"]; !strings.Contains(cm, `"{{ $labels.instance }} is {{{down}}}"`) || !strings.Contains(cm, "ratio: 0.25") {
		t.Errorf("cm.yaml rendered to %q", cm)
	}
	if svc := got["app/charts/first/templates/svc.yaml"]; !strings.Contains(svc, "name: first-web") || !strings.Contains(svc, "port: 8080") {
		t.Errorf("the aliased subchart rendered to %q", svc)
	}
	if _, ok := got["app/charts/second/templates/svc.yaml"]; ok {
		t.Error("the subchart its condition disables was rendered")
	}
}

// TestRenderLookupsAnsweredByTheParent: a template's lookup is answered by the parent's lookup
// function, objects and lists alike, integers still integers (a template comparing
// spec.replicas with 3 works as it does in Helm's own lookup), and a rendering past its
// lookups bound fails.
func TestRenderLookupsAnsweredByTheParent(t *testing.T) {
	var asked []lookupRequest
	lookup := func(apiVersion, kind, namespace, name string) (map[string]any, error) {
		asked = append(asked, lookupRequest{APIVersion: apiVersion, Kind: kind, Namespace: namespace, Name: name})
		if name == "" {
			return map[string]any{"items": []any{map[string]any{"metadata": map[string]any{"name": "a"}}, map[string]any{"metadata": map[string]any{"name": "b"}}}}, nil
		}
		if name == "missing" {
			return map[string]any{}, nil
		}
		if name == "broken" {
			return nil, errors.New("the target refused")
		}
		if name == "unreachable" {
			return nil, fmt.Errorf("unable to get resource: %w", &url.Error{Op: "Get", URL: "https://10.1.2.3:6443/api/v1/namespaces/ns/secrets/unreachable", Err: errors.New("dial tcp 10.1.2.3:6443: connect: connection refused")})
		}
		return map[string]any{"spec": map[string]any{"replicas": int64(3)}}, nil
	}
	ch := templateChart("app", map[string]string{"templates/x.yaml": `{{ $d := lookup "apps/v1" "Deployment" "ns" "web" }}{{ if eq $d.spec.replicas 3 }}three{{ end }} ` +
		`{{ range (lookup "v1" "ConfigMap" "ns" "").items }}{{ .metadata.name }},{{ end }} {{ if not (lookup "v1" "Secret" "ns" "missing") }}none{{ end }}`}, nil)
	req := renderRequest{Chart: treeOf(ch), Values: map[string]any{}, Options: common.ReleaseOptions{Name: "r", Namespace: "ns", Revision: 1, IsInstall: true}, Capabilities: common.DefaultCapabilities}
	out, err := newRenderers(RenderLimits{}.complete(), nil).render(context.Background(), req, lookup)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	if got := out["app/templates/x.yaml"]; got != "three a,b, none" {
		t.Errorf("rendered %q, want %q", got, "three a,b, none")
	}
	if len(asked) != 3 || asked[0] != (lookupRequest{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "web"}) {
		t.Errorf("lookups asked: %+v", asked)
	}

	broken := templateChart("app", map[string]string{"templates/x.yaml": `{{ lookup "v1" "Secret" "ns" "broken" }}`}, nil)
	req.Chart = treeOf(broken)
	if _, err := newRenderers(RenderLimits{}.complete(), nil).render(context.Background(), req, lookup); err == nil || !strings.Contains(err.Error(), "the target refused") {
		t.Errorf("a lookup the target refused: err = %v", err)
	}

	// A target that cannot be reached is named by its class, not its address.
	unreachable := templateChart("app", map[string]string{"templates/x.yaml": `{{ lookup "v1" "Secret" "ns" "unreachable" }}`}, nil)
	req.Chart = treeOf(unreachable)
	if _, err := newRenderers(RenderLimits{}.complete(), nil).render(context.Background(), req, lookup); err == nil || !strings.Contains(err.Error(), "the target cluster: cannot connect") || strings.Contains(err.Error(), "10.1.2.3") {
		t.Errorf("a lookup of an unreachable target: err = %v", err)
	}

	many := templateChart("app", map[string]string{"templates/x.yaml": `{{ range until 50 }}{{ lookup "v1" "Secret" "ns" "missing" }}{{ end }}`}, nil)
	req.Chart = treeOf(many)
	if _, err := newRenderers(RenderLimits{Lookups: 10}.complete(), nil).render(context.Background(), req, lookup); err == nil || !strings.Contains(err.Error(), "more than 10 lookups") {
		t.Errorf("50 lookups with a bound of 10: err = %v", err)
	}
}

// TestRegressionChartTemplateExhaustsNetweave: a descriptor writer's chart rendered inside
// netweave took what CPU and memory its templates liked (Go's template engine can be neither
// interrupted nor bounded), so one tenant's chart could exhaust the process every tenant is
// served by. Rendering now runs in a child process held to its bounds: each template below
// fails with ErrRenderBound, within the time bound, and this process is untouched.
func TestRegressionChartTemplateExhaustsNetweave(t *testing.T) {
	limits := RenderLimits{Memory: 128 << 20, Timeout: 10 * time.Second, Output: 1 << 20}
	short := limits
	short.Timeout = 2 * time.Second
	cases := map[string]struct {
		template string
		limits   RenderLimits
		says     string
	}{
		"memory, growing": {`{{ range until 100000000 }}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{{ end }}`, limits, "MiB"},
		"memory, at once": {`{{ len (until 2000000000) }}`, limits, "MiB"},
		"time":            {`{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}`, short, "longer than"},
		"output":          {`{{ range until 200000 }}xxxxxxxxxx{{ end }}`, limits, "larger than"},
		"recursion":       {`{{ define "t" }}{{ include "t" . }}{{ include "t" . }}{{ end }}{{ include "t" . }}`, limits, "nested reference"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e := NewEngine(Config{Render: c.limits})
			ch := templateChart("bomb", map[string]string{"templates/x.yaml": c.template}, nil)
			start := time.Now()
			_, err := e.renderedChart(context.Background(), &action.Configuration{Capabilities: common.DefaultCapabilities}, ch, map[string]any{}, common.ReleaseOptions{Name: "r", Namespace: "ns", Revision: 1, IsInstall: true})
			took := time.Since(start)
			if err == nil {
				t.Fatal("the template rendered")
			}
			if name != "recursion" && !errors.Is(err, ErrRenderBound) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("err = %.300s, want ErrRenderBound saying %q", err, c.says)
			}
			if len(err.Error()) > maxErrorBytes+16 {
				t.Errorf("the error is %d bytes, past its bound of %d", len(err.Error()), maxErrorBytes)
			}
			if took > c.limits.Timeout+5*time.Second {
				t.Fatalf("the rendering took %s, past its bound of %s", took, c.limits.Timeout)
			}
			t.Logf("%.200s after %s", err, took.Round(time.Millisecond))
		})
	}

	// Through Apply, as the O2-DMS controller calls it: the install fails with the bound and
	// records no revision.
	cfg := memoryTarget(t)
	e := NewEngine(Config{Timeout: time.Minute, Render: limits})
	bomb := templateChart("bomb", map[string]string{"templates/x.yaml": cases["memory, growing"].template}, nil)
	if _, err := e.applyWith(context.Background(), cfg, Target{Namespace: "tenant-a-nfs", Owner: "tenant-a"}, "bomb", bomb, nil, ""); !errors.Is(err, ErrRenderBound) {
		t.Fatalf("apply of the chart: err = %v, want ErrRenderBound", err)
	}
	if last, err := cfg.Releases.Last("bomb"); err == nil {
		t.Errorf("the refused install recorded a revision: %v", last)
	}
}

// BenchmarkRenderInChild is what a rendering costs beyond the templates' own work: starting
// the child, sending the chart, reading the manifests.
func BenchmarkRenderInChild(b *testing.B) {
	ch := templateChart("app", map[string]string{"templates/cm.yaml": "kind: ConfigMap\ndata:\n  a: {{ .Values.a | quote }}\n"}, map[string]any{"a": "b"})
	req := renderRequest{Chart: treeOf(ch), Values: map[string]any{}, Options: common.ReleaseOptions{Name: "r", Namespace: "ns", Revision: 1, IsInstall: true}, Capabilities: common.DefaultCapabilities}
	r := newRenderers(RenderLimits{}.complete(), nil)
	for b.Loop() {
		if _, err := r.render(context.Background(), req, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRenderChildrenKept: a child that rendered, or reported its templates' own error, renders
// the next chart too; one past a bound is killed and the next rendering gets a new one; a
// cancelled rendering kills its child; an idle child exits.
func TestRenderChildrenKept(t *testing.T) {
	reg := compbasemetrics.NewKubeRegistry()
	metrics, err := NewRenderMetrics(reg.Register)
	if err != nil {
		t.Fatal(err)
	}
	r := newRenderers(RenderLimits{Memory: 128 << 20, Timeout: 10 * time.Second}.complete(), metrics)
	req := func(template string) renderRequest {
		return renderRequest{Chart: treeOf(templateChart("app", map[string]string{"templates/x.yaml": template}, nil)), Values: map[string]any{},
			Options: common.ReleaseOptions{Name: "r", Namespace: "ns", Revision: 1, IsInstall: true}, Capabilities: common.DefaultCapabilities}
	}
	freePID := func() int {
		t.Helper()
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.free) != 1 {
			t.Fatalf("%d free children, want 1", len(r.free))
		}
		return r.free[0].cmd.Process.Pid
	}
	ctx := context.Background()
	if out, err := r.render(ctx, req(`a`), nil); err != nil || out["app/templates/x.yaml"] != "a" {
		t.Fatalf("first rendering: %v %v", out, err)
	}
	first := freePID()
	if _, err := r.render(ctx, req(`{{ fail "no" }}`), nil); err == nil || !strings.Contains(err.Error(), "no") {
		t.Fatalf("a template's own error: %v", err)
	}
	if out, err := r.render(ctx, req(`b`), nil); err != nil || out["app/templates/x.yaml"] != "b" {
		t.Fatalf("third rendering: %v %v", out, err)
	}
	if pid := freePID(); pid != first {
		t.Fatalf("the renderings ran in processes %d and %d, want one", first, pid)
	}

	if _, err := r.render(ctx, req(`{{ range until 100000000 }}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{{ end }}`), nil); !errors.Is(err, ErrRenderBound) {
		t.Fatalf("past the memory bound: %v", err)
	}
	r.mu.Lock()
	n := len(r.free)
	r.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d free children after the bound killed the only one", n)
	}
	if out, err := r.render(ctx, req(`c`), nil); err != nil || out["app/templates/x.yaml"] != "c" {
		t.Fatalf("rendering after a bound: %v %v", out, err)
	}
	if pid := freePID(); pid == first {
		t.Fatal("the child past its bound rendered again")
	}

	cctx, cancel := context.WithCancel(ctx)
	lookup := func(string, string, string, string) (map[string]any, error) {
		cancel()
		return map[string]any{}, nil
	}
	if _, err := r.render(cctx, req(`{{ lookup "v1" "Secret" "ns" "s" }}{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}`), lookup); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled rendering: %v", err)
	}

	r.idle = 50 * time.Millisecond
	if _, err := r.render(ctx, req(`d`), nil); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	idle := r.free[0]
	r.mu.Unlock()
	select {
	case <-idle.done:
	case <-time.After(10 * time.Second):
		t.Fatal("an idle child still runs 10s after its idle time of 50ms")
	}

	// Three children: the first, one after the bound, one after the cancelled rendering.
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP netweave_o2dms_render_children_started_total [ALPHA] Rendering child processes started: one per rendering past a bound or failed, and one after each minute without renderings.
# TYPE netweave_o2dms_render_children_started_total counter
netweave_o2dms_render_children_started_total 3
# HELP netweave_o2dms_renderings_total [ALPHA] Renderings of a chart's templates (in a child process), by result: rendered, template_error (the chart's own), bound (past --o2dms-render-memory-bytes, --o2dms-render-timeout, the output, lookups or objects bound), failed (the renderer failed or the rendering was cancelled).
# TYPE netweave_o2dms_renderings_total counter
netweave_o2dms_renderings_total{result="bound"} 1
netweave_o2dms_renderings_total{result="failed"} 1
netweave_o2dms_renderings_total{result="rendered"} 4
netweave_o2dms_renderings_total{result="template_error"} 1
`), "netweave_o2dms_render_children_started_total", "netweave_o2dms_renderings_total"); err != nil {
		t.Error(err)
	}
}

// BenchmarkManifestObjects is the objects bound's count over the most manifests a rendering
// may give (16 MiB, the output bound), as small ConfigMaps: what the child adds to a rendering
// near its bounds (the ceiling beside it: reading the same bytes once, strings.Count).
func BenchmarkManifestObjects(b *testing.B) {
	const doc = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\ndata: {a: b}\n"
	files := map[string]string{"app/templates/a.yaml": strings.Repeat(doc, (16<<20)/len(doc))}
	b.Run("count", func(b *testing.B) {
		b.SetBytes(16 << 20)
		for b.Loop() {
			if n := manifestObjects(files, 1<<30); n == 0 {
				b.Fatal("no objects")
			}
		}
	})
	b.Run("ceiling", func(b *testing.B) {
		b.SetBytes(16 << 20)
		for b.Loop() {
			if strings.Count(files["app/templates/a.yaml"], "\n---") == 0 {
				b.Fatal("no documents")
			}
		}
	})
}

// BenchmarkDocumentParseCost is the child's parse of a rendering, 2,000 Deployments, each
// document's cost measured (costlyRendering), beside the parse alone as Helm's SortManifests
// does it, which the child ran before the per-document bound.
func BenchmarkDocumentParseCost(b *testing.B) {
	var m strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&m, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-%d\n  labels: {app: web}\nspec:\n  replicas: 2\n"+
			"  template:\n    spec:\n      containers:\n      - name: a\n        image: nginx:1.27\n        args: [\"--a\", \"--b\"]\n", i)
	}
	files := map[string]string{"app/templates/deploy.yaml": m.String()}
	b.Run("measured", func(b *testing.B) {
		for b.Loop() {
			if costlyRendering(files, 64<<20) != "" {
				b.Fatal("refused")
			}
		}
	})
	b.Run("SortManifests", func(b *testing.B) {
		for b.Loop() {
			_, _, _ = releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
		}
	})
}
