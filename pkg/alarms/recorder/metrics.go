package recorder

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/component-base/metrics"

	"github.com/netweave-io/netweave/pkg/alarms"
)

// Metrics are the recorder's Prometheus metrics. Labels name event types and outcomes only,
// never a namespace, object or source key, so they tell no tenant about another's alarms.
type Metrics struct {
	// Writes counts alarm writes by notification event (new, change, clear) and result (ok,
	// conflict, error).
	Writes *metrics.CounterVec
}

// NewMetrics creates the metrics and registers them with register (legacyregistry.Register in
// the server, a fresh registry in tests).
func NewMetrics(register func(metrics.Registerable) error) (*Metrics, error) {
	m := &Metrics{
		Writes: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "alarms", Name: "writes_total",
			Help:           "AlarmEventRecord writes of the alarm recorder, by event (new, change, clear) and result (ok, conflict, error).",
			StabilityLevel: metrics.ALPHA,
		}, []string{"event", "result"}),
	}
	if err := register(m.Writes); err != nil {
		return nil, fmt.Errorf("register alarm recorder metrics: %w", err)
	}
	return m, nil
}

var eventNames = map[alarms.Event]string{
	alarms.EventNew: "new", alarms.EventChange: "change", alarms.EventClear: "clear", alarms.EventAcknowledge: "acknowledge",
}

func (m *Metrics) written(t alarms.Transition, err error) {
	if m == nil {
		return
	}
	result := "ok"
	switch {
	case apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err):
		result = "conflict"
	case err != nil:
		result = "error"
	}
	m.Writes.WithLabelValues(eventNames[t.Event], result).Inc()
}
