package retention

import (
	"fmt"

	"k8s.io/component-base/metrics"
)

// The reasons alarm records are purged for.
const (
	reasonRetention = "retention"
	reasonPurge     = "purge"
)

// Metrics are the Prometheus metrics of retention and purging.
type Metrics struct {
	// Purged counts alarm records removed, by reason: "retention" (the retention period passed)
	// or "purge" (an AlarmPurge task named them).
	Purged *metrics.CounterVec
	// Errors counts failed reconciliations (retried with backoff), by worker ("retention" or
	// "purge").
	Errors *metrics.CounterVec
}

// NewMetrics creates the metrics and registers them with register (legacyregistry.Register in
// the server, a fresh registry in tests).
func NewMetrics(register func(metrics.Registerable) error) (*Metrics, error) {
	m := &Metrics{
		Purged: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "alarms", Name: "purged_total",
			Help: "Alarm records removed, by reason (retention or purge).", StabilityLevel: metrics.ALPHA,
		}, []string{"reason"}),
		Errors: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "alarms", Name: "retention_errors_total",
			Help: "Failed retention or purge reconciliations, retried with backoff, by worker.", StabilityLevel: metrics.ALPHA,
		}, []string{"worker"}),
	}
	for _, c := range []metrics.Registerable{m.Purged, m.Errors} {
		if err := register(c); err != nil {
			return nil, fmt.Errorf("register alarm retention metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) purged(reason string) {
	if m != nil {
		m.Purged.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) failed(worker string) {
	if m != nil {
		m.Errors.WithLabelValues(worker).Inc()
	}
}
