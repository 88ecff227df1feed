package smoreg

import (
	"time"

	compbasemetrics "k8s.io/component-base/metrics"
)

// Registerer is where the metrics go (legacyregistry in the server, a fresh KubeRegistry in
// tests).
type Registerer interface {
	Register(compbasemetrics.Registerable) error
}

// Metrics are the SMO registration's Prometheus metrics. They are made once per process and
// shared by every leader term.
type Metrics struct {
	attempts    *compbasemetrics.CounterVec
	lastSuccess *compbasemetrics.Gauge
}

const metricsSubsystem = "netweave_smo_registration"

// NewMetrics registers the metrics with reg.
func NewMetrics(reg Registerer) (*Metrics, error) {
	m := &Metrics{
		attempts: compbasemetrics.NewCounterVec(&compbasemetrics.CounterOpts{
			Subsystem: metricsSubsystem, Name: "attempts_total",
			Help:           "OCloudAvailableNotification POSTs to the SMO's registration endpoint, by result (success, failure).",
			StabilityLevel: compbasemetrics.ALPHA,
		}, []string{"result"}),
		lastSuccess: compbasemetrics.NewGauge(&compbasemetrics.GaugeOpts{
			Subsystem: metricsSubsystem, Name: "last_success_timestamp_seconds",
			Help:           "Unix time of the last announcement the SMO accepted; 0 before the first.",
			StabilityLevel: compbasemetrics.ALPHA,
		}),
	}
	for _, c := range []compbasemetrics.Registerable{m.attempts, m.lastSuccess} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) attempt(ok bool, at time.Time) {
	if m == nil {
		return
	}
	if ok {
		m.attempts.WithLabelValues("success").Inc()
		m.lastSuccess.Set(float64(at.UnixNano()) / 1e9)
		return
	}
	m.attempts.WithLabelValues("failure").Inc()
}
