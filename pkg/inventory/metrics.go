package inventory

import (
	"fmt"

	"k8s.io/component-base/metrics"
)

// Metrics are the controller's Prometheus metrics.
type Metrics struct {
	// SyncDuration observes each reconciliation, by kind ("source" or "shared").
	SyncDuration *metrics.HistogramVec
	// SyncErrors counts failed reconciliations, by kind and reason ("conflict": a write raced
	// with the informer cache; "error": anything else).
	SyncErrors *metrics.CounterVec
	// Writes counts writes to the O2 API, by O2 kind and verb.
	Writes *metrics.CounterVec
	// QueueDepth is the number of keys waiting.
	QueueDepth *metrics.Gauge
}

// NewMetrics creates the metrics and registers them with register (legacyregistry.Register in
// the server, a fresh registry in tests).
func NewMetrics(register func(metrics.Registerable) error) (*Metrics, error) {
	m := &Metrics{
		SyncDuration: metrics.NewHistogramVec(&metrics.HistogramOpts{
			Namespace: "netweave", Subsystem: "inventory", Name: "sync_duration_seconds",
			Help:           "Time to reconcile one key: the Resources of one source object, or the shared objects.",
			Buckets:        metrics.ExponentialBuckets(0.0005, 2, 16),
			StabilityLevel: metrics.ALPHA,
		}, []string{"kind"}),
		SyncErrors: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "inventory", Name: "sync_errors_total",
			Help: "Reconciliations that failed and were retried with backoff, by reason (conflict or error).", StabilityLevel: metrics.ALPHA,
		}, []string{"kind", "reason"}),
		Writes: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "inventory", Name: "writes_total",
			Help: "Writes of synced O2 objects.", StabilityLevel: metrics.ALPHA,
		}, []string{"resource", "verb"}),
		QueueDepth: metrics.NewGauge(&metrics.GaugeOpts{
			Namespace: "netweave", Subsystem: "inventory", Name: "queue_depth",
			Help: "Keys waiting in the inventory work queue.", StabilityLevel: metrics.ALPHA,
		}),
	}
	for _, c := range []metrics.Registerable{m.SyncDuration, m.SyncErrors, m.Writes, m.QueueDepth} {
		if err := register(c); err != nil {
			return nil, fmt.Errorf("register inventory metrics: %w", err)
		}
	}
	return m, nil
}

// writes is the write counter, nil when there are no metrics.
func (m *Metrics) writes() *metrics.CounterVec {
	if m == nil {
		return nil
	}
	return m.Writes
}
