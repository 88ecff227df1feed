package alertmanager

import (
	"fmt"

	"k8s.io/component-base/metrics"
)

// Metrics are the Alertmanager source's Prometheus metrics.
type Metrics struct {
	// Payloads counts webhook payloads by result: "accepted", "rejected" (refused with a 4xx:
	// method, authentication, authorization or a malformed payload) or "failed" (a 5xx:
	// resolving or recording failed; Alertmanager retries).
	Payloads *metrics.CounterVec
	// Alerts counts the alerts of accepted payloads by status: firing, resolved, refused (the
	// API refused the alarm, which is logged; the payload's other alerts are recorded) or
	// ignored (labelled with a namespace that is not the operator's, or firing from a start more
	// than maxStartAhead after this server's clock: not recorded).
	Alerts *metrics.CounterVec
	// Resyncs counts re-reads of Alertmanager's active alerts by result (success, failure,
	// raise-only: Alertmanager had just started, nothing was cleared).
	Resyncs *metrics.CounterVec
}

// NewMetrics creates the metrics and registers them with register (legacyregistry.Register in
// the server, a fresh registry in tests).
func NewMetrics(register func(metrics.Registerable) error) (*Metrics, error) {
	m := &Metrics{
		Payloads: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "alertmanager", Name: "webhook_payloads_total",
			Help:           "Alertmanager webhook payloads received, by result (accepted, rejected, failed).",
			StabilityLevel: metrics.ALPHA,
		}, []string{"result"}),
		Alerts: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "alertmanager", Name: "webhook_alerts_total",
			Help:           "Alerts of accepted Alertmanager webhook payloads, by status (firing, resolved, refused: the API refused the alarm, ignored: from a namespace that is not the operator's, or starting too far ahead of this server's clock).",
			StabilityLevel: metrics.ALPHA,
		}, []string{"status"}),
		Resyncs: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "alertmanager", Name: "resyncs_total",
			Help:           "Re-reads of Alertmanager's active alerts stated to the alarm recorder, by result (success, failure, raise-only: Alertmanager had started within --alertmanager-startup-grace, so no alarm was cleared).",
			StabilityLevel: metrics.ALPHA,
		}, []string{"result"}),
	}
	for _, c := range []metrics.Registerable{m.Payloads, m.Alerts, m.Resyncs} {
		if err := register(c); err != nil {
			return nil, fmt.Errorf("register Alertmanager source metrics: %w", err)
		}
	}
	return m, nil
}
