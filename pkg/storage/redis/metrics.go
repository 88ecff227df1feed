package redis

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

const metricsSubsystem = "netweave_redis_storage"

// component-base metrics are inert until registered, so recording into them
// from tests or tools that never call Register costs nothing and is safe.
var (
	requestDuration = compbasemetrics.NewHistogramVec(
		&compbasemetrics.HistogramOpts{
			Subsystem:      metricsSubsystem,
			Name:           "request_duration_seconds",
			Help:           "Latency of Redis storage operations by operation and resource.",
			Buckets:        []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
			StabilityLevel: compbasemetrics.ALPHA,
		},
		[]string{"operation", "group", "resource"},
	)
	requestErrors = compbasemetrics.NewCounterVec(
		&compbasemetrics.CounterOpts{
			Subsystem:      metricsSubsystem,
			Name:           "request_errors_total",
			Help:           "Redis storage operations that failed with a Redis or script error.",
			StabilityLevel: compbasemetrics.ALPHA,
		},
		[]string{"operation", "group", "resource"},
	)
	watchers = compbasemetrics.NewGaugeVec(
		&compbasemetrics.GaugeOpts{
			Subsystem:      metricsSubsystem,
			Name:           "watchers",
			Help:           "Open watches served from the Redis change stream.",
			StabilityLevel: compbasemetrics.ALPHA,
		},
		[]string{"group", "resource"},
	)
	streamEvents = compbasemetrics.NewCounterVec(
		&compbasemetrics.CounterOpts{
			Subsystem:      metricsSubsystem,
			Name:           "stream_events_total",
			Help:           "Change events read from the Redis stream by the shared watch reader.",
			StabilityLevel: compbasemetrics.ALPHA,
		},
		[]string{"group", "resource"},
	)
	persistence = compbasemetrics.NewGaugeVec(
		&compbasemetrics.GaugeOpts{
			Namespace:      "netweave",
			Subsystem:      "redis",
			Name:           "persistence",
			Help:           "1 for the persistence mode the Redis primary was last seen in (aof, aof-no-fsync, rdb, none, asserted), 0 for the others.",
			StabilityLevel: compbasemetrics.ALPHA,
		},
		[]string{"mode"},
	)
	registerOnce sync.Once
)

// Register adds the storage metrics to the legacy registry. The server calls
// it once at start-up; later calls are no-ops.
func Register() {
	registerOnce.Do(func() {
		legacyregistry.MustRegister(requestDuration, requestErrors, watchers, streamEvents, persistence)
	})
}

// recordRequest observes one Redis round trip. Conflicts and not-found are
// answers, not errors, so callers pass only transport/script failures.
func recordRequest(op string, gr schema.GroupResource, err error, start time.Time) {
	requestDuration.WithLabelValues(op, gr.Group, gr.Resource).Observe(time.Since(start).Seconds())
	if err != nil {
		requestErrors.WithLabelValues(op, gr.Group, gr.Resource).Inc()
	}
}

// RecordPersistence sets the netweave_redis_persistence gauge to mode, so an alert can fire
// on any mode but aof.
func RecordPersistence(mode string) {
	for _, m := range persistenceModes {
		v := 0.0
		if m == mode {
			v = 1
		}
		persistence.WithLabelValues(m).Set(v)
	}
}
