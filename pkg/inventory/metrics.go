package inventory

import (
	"fmt"

	"k8s.io/component-base/metrics"
)

// Metrics are the controller's Prometheus metrics. Its work queue is client-go's, named
// "inventory", so the upstream workqueue metrics (workqueue_depth{name="inventory"},
// workqueue_adds_total, workqueue_queue_duration_seconds, workqueue_retries_total, …) report it
// wherever a workqueue metrics provider is installed (the server's, see pkg/apiserver).
type Metrics struct {
	// SyncDuration observes each reconciliation, by kind ("source" or "shared").
	SyncDuration *metrics.HistogramVec
	// SyncErrors counts failed reconciliations, by kind and reason ("conflict": a write raced
	// with the informer cache; "error": anything else).
	SyncErrors *metrics.CounterVec
	// Writes counts writes to the O2 API, by O2 kind and verb.
	Writes *metrics.CounterVec
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
	}
	for _, c := range []metrics.Registerable{m.SyncDuration, m.SyncErrors, m.Writes} {
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
