package dictionary

import (
	"fmt"

	"k8s.io/component-base/metrics"
)

// Metrics are the dictionary controller's Prometheus metrics.
type Metrics struct {
	// Writes counts writes of dictionaries, by resource and verb.
	Writes *metrics.CounterVec
	// SyncErrors counts failed reconciliations (retried with backoff), by reason: "conflict"
	// (a write raced with the informer cache) or "error".
	SyncErrors *metrics.CounterVec
	// UnreadRuleNamespaces is the number of rule namespaces whose PrometheusRules netweave
	// could not list yet (the log names them): their alerts are the ones last published.
	UnreadRuleNamespaces *metrics.Gauge
	// Refused is the number of dictionaries of tenants' resource types that the tenants'
	// namespaces refused at the last sync (the log names them): a name held by the tenant's own
	// dictionary, a full quota, admission. They do not count as sync errors.
	Refused *metrics.Gauge
}

// NewMetrics creates the metrics and registers them with register (legacyregistry.Register in
// the server, a fresh registry in tests).
func NewMetrics(register func(metrics.Registerable) error) (*Metrics, error) {
	m := &Metrics{
		Writes: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "alarm_dictionaries", Name: "writes_total",
			Help: "Writes of alarm dictionaries netweave derives.", StabilityLevel: metrics.ALPHA,
		}, []string{"resource", "verb"}),
		SyncErrors: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "alarm_dictionaries", Name: "sync_errors_total",
			Help: "Alarm dictionary reconciliations that failed and were retried, by reason (conflict or error).", StabilityLevel: metrics.ALPHA,
		}, []string{"reason"}),
		UnreadRuleNamespaces: metrics.NewGauge(&metrics.GaugeOpts{
			Namespace: "netweave", Subsystem: "alarm_dictionaries", Name: "unread_rule_namespaces",
			Help: "Rule namespaces whose PrometheusRules netweave cannot list yet; the dictionary keeps their alerts as last published.", StabilityLevel: metrics.ALPHA,
		}),
		Refused: metrics.NewGauge(&metrics.GaugeOpts{
			Namespace: "netweave", Subsystem: "alarm_dictionaries", Name: "refused",
			Help: "Dictionaries of tenants' resource types their namespaces refused (name taken, quota, admission); retried when a dictionary there changes.", StabilityLevel: metrics.ALPHA,
		}),
	}
	for _, c := range []metrics.Registerable{m.Writes, m.SyncErrors, m.UnreadRuleNamespaces, m.Refused} {
		if err := register(c); err != nil {
			return nil, fmt.Errorf("register alarm dictionary metrics: %w", err)
		}
	}
	return m, nil
}
