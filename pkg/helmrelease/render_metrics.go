package helmrelease

import (
	"errors"
	"time"

	compbasemetrics "k8s.io/component-base/metrics"
)

// RenderMetrics are the Prometheus metrics of the renderings of charts' templates, made once
// per process.
type RenderMetrics struct {
	renderings *compbasemetrics.CounterVec
	duration   *compbasemetrics.Histogram
	started    *compbasemetrics.Counter
}

// Results of a rendering, the renderings_total label.
const (
	renderRendered      = "rendered"
	renderTemplateError = "template_error"
	renderBound         = "bound"
	renderFailed        = "failed"
)

// NewRenderMetrics registers the metrics with register (legacyregistry.Register in the
// server, a fresh KubeRegistry's in tests).
func NewRenderMetrics(register func(compbasemetrics.Registerable) error) (*RenderMetrics, error) {
	m := &RenderMetrics{
		renderings: compbasemetrics.NewCounterVec(&compbasemetrics.CounterOpts{
			Subsystem: "netweave_o2dms", Name: "renderings_total",
			Help:           "Renderings of a chart's templates (in a child process), by result: rendered, template_error (the chart's own), bound (past --o2dms-render-memory-bytes, --o2dms-render-timeout, the output, lookups or objects bound), failed (the renderer failed or the rendering was cancelled).",
			StabilityLevel: compbasemetrics.ALPHA,
		}, []string{"result"}),
		duration: compbasemetrics.NewHistogram(&compbasemetrics.HistogramOpts{
			Subsystem: "netweave_o2dms", Name: "rendering_duration_seconds",
			Help:           "Time one rendering of a chart's templates took, its lookups and the start of a child included.",
			Buckets:        []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
			StabilityLevel: compbasemetrics.ALPHA,
		}),
		started: compbasemetrics.NewCounter(&compbasemetrics.CounterOpts{
			Subsystem: "netweave_o2dms", Name: "render_children_started_total",
			Help:           "Rendering child processes started: one per rendering past a bound or failed, and one after each minute without renderings.",
			StabilityLevel: compbasemetrics.ALPHA,
		}),
	}
	for _, c := range []compbasemetrics.Registerable{m.renderings, m.duration, m.started} {
		if err := register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe records a rendering that began at start and ended with err.
func (m *RenderMetrics) observe(start time.Time, err error) {
	if m == nil {
		return
	}
	m.duration.Observe(time.Since(start).Seconds())
	result := renderRendered
	switch {
	case errors.Is(err, ErrRenderBound):
		result = renderBound
	case errors.Is(err, errRendererFailed):
		result = renderFailed
	case err != nil:
		result = renderTemplateError
	}
	m.renderings.WithLabelValues(result).Inc()
}

func (m *RenderMetrics) childStarted() {
	if m != nil {
		m.started.Inc()
	}
}
