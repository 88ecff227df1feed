package controller

import (
	compbasemetrics "k8s.io/component-base/metrics"
)

// ChartMetrics are the chart cache's Prometheus metrics, made once per process.
type ChartMetrics struct {
	fetches *compbasemetrics.CounterVec
	charts  *compbasemetrics.Gauge
	bytes   *compbasemetrics.Gauge
}

const (
	resultHit     = "hit"
	resultFetched = "fetched"
	resultFailed  = "failed"
)

// NewChartMetrics registers the metrics with register (legacyregistry.Register in the
// server, a fresh KubeRegistry's in tests).
func NewChartMetrics(register func(compbasemetrics.Registerable) error) (*ChartMetrics, error) {
	m := &ChartMetrics{
		fetches: compbasemetrics.NewCounterVec(&compbasemetrics.CounterOpts{
			Subsystem: "netweave_o2dms", Name: "chart_fetches_total",
			Help:           "Charts an NfDeployment's reconcile needed, by result: hit (from the chart cache), fetched (downloaded), failed.",
			StabilityLevel: compbasemetrics.ALPHA,
		}, []string{"result"}),
		charts: compbasemetrics.NewGauge(&compbasemetrics.GaugeOpts{
			Subsystem: "netweave_o2dms", Name: "chart_cache_charts",
			Help:           "Charts held in the chart cache (--o2dms-chart-cache-size).",
			StabilityLevel: compbasemetrics.ALPHA,
		}),
		bytes: compbasemetrics.NewGauge(&compbasemetrics.GaugeOpts{
			Subsystem: "netweave_o2dms", Name: "chart_cache_bytes",
			Help:           "What the charts in the chart cache unpacked to, together (--o2dms-chart-cache-bytes).",
			StabilityLevel: compbasemetrics.ALPHA,
		}),
	}
	for _, c := range []compbasemetrics.Registerable{m.fetches, m.charts, m.bytes} {
		if err := register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *ChartMetrics) fetched(result string) {
	if m != nil {
		m.fetches.WithLabelValues(result).Inc()
	}
}

func (m *ChartMetrics) held(charts int, bytes int64) {
	if m != nil {
		m.charts.Set(float64(charts))
		m.bytes.Set(float64(bytes))
	}
}
