package readcache

import (
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

// Metrics are inert until Register is called, so tests need not register.
var (
	hits = compbasemetrics.NewCounterVec(
		&compbasemetrics.CounterOpts{
			Subsystem:      "netweave_storage_cache",
			Name:           "hits_total",
			Help:           "Reads answered from the in-memory cache.",
			StabilityLevel: compbasemetrics.ALPHA,
		},
		[]string{"verb", "group", "resource"},
	)
	misses = compbasemetrics.NewCounterVec(
		&compbasemetrics.CounterOpts{
			Subsystem:      "netweave_storage_cache",
			Name:           "misses_total",
			Help:           "Reads forwarded to the store because the cache could not answer them.",
			StabilityLevel: compbasemetrics.ALPHA,
		},
		[]string{"verb", "group", "resource"},
	)
	registerOnce sync.Once
)

// Register adds the cache metrics to the legacy registry; call once at start.
func Register() {
	registerOnce.Do(func() { legacyregistry.MustRegister(hits, misses) })
}

func recordHit(verb string, gr schema.GroupResource) {
	hits.WithLabelValues(verb, gr.Group, gr.Resource).Inc()
}

func recordMiss(verb string, gr schema.GroupResource) {
	misses.WithLabelValues(verb, gr.Group, gr.Resource).Inc()
}
