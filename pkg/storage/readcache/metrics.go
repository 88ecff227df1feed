package readcache

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
	compbasemetrics "k8s.io/component-base/metrics"
)

// Metrics are the Prometheus metrics of the read caches of one process. The server creates
// them once and hands them to every cache through Config.Metrics; a nil *Metrics records
// nothing.
type Metrics struct {
	// Hits counts reads answered from memory, by verb and resource.
	Hits *compbasemetrics.CounterVec
	// Misses counts reads forwarded to the store.
	Misses *compbasemetrics.CounterVec
}

// NewMetrics creates the metrics and registers them with register (legacyregistry.Register in
// the server, a fresh registry's Register in tests).
func NewMetrics(register func(compbasemetrics.Registerable) error) (*Metrics, error) {
	m := &Metrics{
		Hits: compbasemetrics.NewCounterVec(
			&compbasemetrics.CounterOpts{
				Subsystem:      "netweave_storage_cache",
				Name:           "hits_total",
				Help:           "Reads answered from the in-memory cache.",
				StabilityLevel: compbasemetrics.ALPHA,
			},
			[]string{"verb", "group", "resource"},
		),
		Misses: compbasemetrics.NewCounterVec(
			&compbasemetrics.CounterOpts{
				Subsystem:      "netweave_storage_cache",
				Name:           "misses_total",
				Help:           "Reads forwarded to the store because the cache could not answer them.",
				StabilityLevel: compbasemetrics.ALPHA,
			},
			[]string{"verb", "group", "resource"},
		),
	}
	for _, c := range []compbasemetrics.Registerable{m.Hits, m.Misses} {
		if err := register(c); err != nil {
			return nil, fmt.Errorf("register read cache metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) recordHit(verb string, gr schema.GroupResource) {
	if m != nil {
		m.Hits.WithLabelValues(verb, gr.Group, gr.Resource).Inc()
	}
}

func (m *Metrics) recordMiss(verb string, gr schema.GroupResource) {
	if m != nil {
		m.Misses.WithLabelValues(verb, gr.Group, gr.Resource).Inc()
	}
}
