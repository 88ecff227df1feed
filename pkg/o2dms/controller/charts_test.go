package controller

import (
	"context"
	"strings"
	"testing"

	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// sizedFetcher hands out charts of the size the source's name says (in MiB) and counts fetches.
type sizedFetcher struct{ calls int }

func (f *sizedFetcher) Fetch(_ context.Context, src helmrelease.Source) (*helmrelease.Fetched, error) {
	f.calls++
	return &helmrelease.Fetched{Size: int64(strings.Count(src.Name, "x")) << 20}, nil
}

// TestRegressionChartCacheBoundedByBytes: the chart cache was bounded by count only (32), and
// each chart may unpack to tens of MiB, so a few descriptors naming large charts made netweave
// hold gigabytes for as long as nothing else was fetched. It is now bounded by what its charts
// unpacked to as well, least recently used first, and a chart over the whole budget is not
// kept.
func TestRegressionChartCacheBoundedByBytes(t *testing.T) {
	f := &sizedFetcher{}
	reg := compbasemetrics.NewKubeRegistry()
	metrics, err := NewChartMetrics(reg.Register)
	if err != nil {
		t.Fatal(err)
	}
	cache := NewChartCache(f, 32, 10<<20, metrics)
	ctx := context.Background()
	fetch := func(name string) {
		t.Helper()
		if _, err := cache.Fetch(ctx, helmrelease.Source{RepoURL: "https://charts.example", Name: name, Version: "1"}); err != nil {
			t.Fatal(err)
		}
	}

	fetch("xxxx")   // 4 MiB
	fetch("xxxxa")  // 4 MiB
	fetch("xxxx")   // a hit; now the most recently used
	fetch("xxxxxb") // 5 MiB: 13 MiB held would pass the budget; the least recently used goes
	if n, bytes := cache.Held(); n != 2 || bytes != 9<<20 {
		t.Errorf("held %d charts of %d bytes, want 2 of 9 MiB", n, bytes)
	}
	calls := f.calls
	fetch("xxxx")
	fetch("xxxxxb")
	if f.calls != calls {
		t.Errorf("the two most recently used charts were fetched again (%d fetches)", f.calls-calls)
	}
	fetch("xxxxa")
	if f.calls != calls+1 {
		t.Error("the evicted chart was served from the cache")
	}

	// Larger than the whole budget: used, not kept, nothing else evicted for it.
	before, beforeBytes := cache.Held()
	fetch(strings.Repeat("x", 11))
	if n, bytes := cache.Held(); n != before || bytes != beforeBytes {
		t.Errorf("a chart over the budget changed what is held: %d charts of %d bytes, was %d of %d", n, bytes, before, beforeBytes)
	}

	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP netweave_o2dms_chart_cache_bytes [ALPHA] What the charts in the chart cache unpacked to, together (--o2dms-chart-cache-bytes).
# TYPE netweave_o2dms_chart_cache_bytes gauge
netweave_o2dms_chart_cache_bytes 9.437184e+06
# HELP netweave_o2dms_chart_fetches_total [ALPHA] Charts an NfDeployment's reconcile needed, by result: hit (from the chart cache), fetched (downloaded), failed.
# TYPE netweave_o2dms_chart_fetches_total counter
netweave_o2dms_chart_fetches_total{result="fetched"} 5
netweave_o2dms_chart_fetches_total{result="hit"} 3
`), "netweave_o2dms_chart_cache_bytes", "netweave_o2dms_chart_fetches_total"); err != nil {
		t.Error(err)
	}
}
