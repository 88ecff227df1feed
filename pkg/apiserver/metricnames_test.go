package apiserver

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestChartAlertsAndDashboardNameDefinedMetrics: every netweave_ metric the chart's
// PrometheusRule and Grafana dashboard query, and the documentation names, is one netweave
// defines. A renamed metric left
// behind in an alert makes an alert that can never fire, and no other test would notice: the
// rule still loads, the expression is still valid PromQL, it just selects nothing. The defined
// names are read from the source (the Namespace, Subsystem and Name of every component-base
// metric's options), not from a running server's /metrics, which lists a labelled metric only
// once it has a value (an error counter that never counted is absent there).
func TestChartAlertsAndDashboardNameDefinedMetrics(t *testing.T) {
	defined := definedMetricNames(t, "../../pkg", "../../internal", "../../cmd")
	if len(defined) < 50 {
		t.Fatalf("found %d metric definitions in the source, want the whole set: %v", len(defined), defined)
	}
	queried := regexp.MustCompile(`\bnetweave_[a-z0-9_]+\b`)
	chart := []string{"../../charts/netweave/templates/prometheusrule.yaml", "../../charts/netweave/dashboards/netweave.json"}
	// What the documentation tells an SRE to graph or alert on, too; docs/performance.md is a
	// record of past measurements, which name metrics since replaced.
	docs, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	docs = slices.DeleteFunc(docs, func(f string) bool { return filepath.Base(f) == "performance.md" })
	for _, file := range slices.Concat(chart, []string{"../../README.md"}, docs) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		names := queried.FindAllString(string(b), -1)
		if len(names) == 0 && slices.Contains(chart, file) {
			t.Errorf("%s queries no netweave_ metric: the test reads the wrong file", file)
		}
		for _, name := range names {
			if !defined[name] && !defined[seriesFamily(name)] {
				t.Errorf("%s queries %s, which netweave does not define", file, name)
			}
		}
	}
}

// seriesFamily is the metric a histogram's or summary's series belong to.
func seriesFamily(series string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if s, ok := strings.CutSuffix(series, suffix); ok {
			return s
		}
	}
	return series
}

// definedMetricNames parses the Go files under dirs (tests excepted) and returns the full name of
// every metric whose options (metrics.CounterOpts, GaugeOpts, HistogramOpts, ...) spell
// Namespace, Subsystem and Name as string literals or package string constants.
func definedMetricNames(t *testing.T, dirs ...string) map[string]bool {
	t.Helper()
	byDir := map[string][]*ast.File{}
	fset := token.NewFileSet()
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			byDir[filepath.Dir(path)] = append(byDir[filepath.Dir(path)], f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	names := map[string]bool{}
	for _, files := range byDir {
		consts := stringConsts(files)
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.CompositeLit)
				if !ok || !isMetricOpts(lit.Type) {
					return true
				}
				var parts []string
				for _, field := range []string{"Namespace", "Subsystem", "Name"} {
					v, ok := fieldValue(lit, field, consts)
					if !ok {
						t.Errorf("%s: %s of a metric's options is not a string constant; the test cannot read it",
							fset.Position(lit.Pos()), field)
						return true
					}
					if v != "" {
						parts = append(parts, v)
					}
				}
				names[strings.Join(parts, "_")] = true
				return true
			})
		}
	}
	return names
}

// isMetricOpts reports whether t names one of component-base's metric option structs.
func isMetricOpts(t ast.Expr) bool {
	if u, ok := t.(*ast.UnaryExpr); ok {
		t = u.X
	}
	sel, ok := t.(*ast.SelectorExpr)
	return ok && slices.Contains([]string{"CounterOpts", "GaugeOpts", "HistogramOpts", "SummaryOpts", "TimingHistogramOpts"}, sel.Sel.Name)
}

// fieldValue is the string value of the named field of lit; "" when the field is absent.
func fieldValue(lit *ast.CompositeLit, field string, consts map[string]string) (string, bool) {
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != field {
			continue
		}
		return stringValue(kv.Value, consts)
	}
	return "", true
}

func stringValue(e ast.Expr, consts map[string]string) (string, bool) {
	switch v := e.(type) {
	case *ast.BasicLit:
		if v.Kind != token.STRING {
			return "", false
		}
		return constant.StringVal(constant.MakeFromLiteral(v.Value, v.Kind, 0)), true
	case *ast.Ident:
		s, ok := consts[v.Name]
		return s, ok
	}
	return "", false
}

// stringConsts are the package-level string constants of a package's files, those defined from
// other constants included.
func stringConsts(files []*ast.File) map[string]string {
	consts := map[string]string{}
	for changed := true; changed; {
		changed = false
		for _, f := range files {
			for _, decl := range f.Decls {
				gen, ok := decl.(*ast.GenDecl)
				if !ok || gen.Tok != token.CONST {
					continue
				}
				for _, spec := range gen.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						if _, done := consts[name.Name]; done || i >= len(vs.Values) {
							continue
						}
						if s, ok := stringValue(vs.Values[i], consts); ok {
							consts[name.Name] = s
							changed = true
						}
					}
				}
			}
		}
	}
	return consts
}
