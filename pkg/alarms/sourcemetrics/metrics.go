// Package sourcemetrics counts what alarm sources report, by wrapping the Sink they report to, so
// every source is measured the same way without counting in each.
package sourcemetrics

import (
	"context"
	"fmt"
	"time"

	"k8s.io/component-base/metrics"

	"github.com/netweave-io/netweave/pkg/alarms"
)

// Metrics are the alarm sources' Prometheus metrics.
type Metrics struct {
	// Observations counts Observe calls, by source, state (active or inactive) and result
	// (success or error).
	Observations *metrics.CounterVec
	// Syncs counts Sync calls, by source and result.
	Syncs *metrics.CounterVec
	// Active is the number of faults each source stated active in its last successful Sync.
	Active *metrics.GaugeVec
	// Invalid counts objects a source could not read (a Secret without a parsable
	// certificate), by source: they raise no alarm, so this is where they show.
	Invalid *metrics.CounterVec
}

// NewMetrics creates the metrics and registers them with register (legacyregistry.Register in
// the server, a fresh registry in tests).
func NewMetrics(register func(metrics.Registerable) error) (*Metrics, error) {
	m := &Metrics{
		Observations: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "alarm_source", Name: "observations_total",
			Help: "Faults reported by alarm sources, by source, state (active, inactive) and result (success, error).", StabilityLevel: metrics.ALPHA,
		}, []string{"source", "state", "result"}),
		Syncs: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "alarm_source", Name: "syncs_total",
			Help: "Complete restatements of a source's active faults, by source and result (success, error).", StabilityLevel: metrics.ALPHA,
		}, []string{"source", "result"}),
		Active: metrics.NewGaugeVec(&metrics.GaugeOpts{
			Namespace: "netweave", Subsystem: "alarm_source", Name: "active_faults",
			Help: "Faults a source stated active in its last successful sync.", StabilityLevel: metrics.ALPHA,
		}, []string{"source"}),
		Invalid: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "alarm_source", Name: "invalid_objects_total",
			Help: "Objects an alarm source watches but could not read (e.g. a Secret without a parsable certificate), by source.", StabilityLevel: metrics.ALPHA,
		}, []string{"source"}),
	}
	for _, c := range []metrics.Registerable{m.Observations, m.Syncs, m.Active, m.Invalid} {
		if err := register(c); err != nil {
			return nil, fmt.Errorf("register alarm source metrics: %w", err)
		}
	}
	return m, nil
}

// Instrument returns sink counting into m; sink itself when m is nil.
func (m *Metrics) Instrument(sink alarms.Sink) alarms.Sink {
	if m == nil {
		return sink
	}
	return &countingSink{next: sink, m: m}
}

// InvalidObject counts an object source could not read; nothing when m is nil.
func (m *Metrics) InvalidObject(source string) {
	if m != nil {
		m.Invalid.WithLabelValues(source).Inc()
	}
}

type countingSink struct {
	next alarms.Sink
	m    *Metrics
}

func (s *countingSink) Observe(ctx context.Context, o alarms.Observation) error {
	err := s.next.Observe(ctx, o)
	state := "inactive"
	if o.Active {
		state = "active"
	}
	s.m.Observations.WithLabelValues(o.Source, state, result(err)).Inc()
	return err
}

func (s *countingSink) Sync(ctx context.Context, source string, active []alarms.Observation, asOf time.Time) error {
	err := s.next.Sync(ctx, source, active, asOf)
	s.m.Syncs.WithLabelValues(source, result(err)).Inc()
	if err == nil {
		s.m.Active.WithLabelValues(source).Set(float64(len(active)))
	}
	return err
}

// SyncScope counts a partial restatement as a sync; the active gauge is left to complete ones,
// as a part states fewer faults than the source has.
func (s *countingSink) SyncScope(ctx context.Context, source string, active []alarms.Observation, asOf time.Time, scope alarms.Scope) error {
	err := s.next.SyncScope(ctx, source, active, asOf, scope)
	s.m.Syncs.WithLabelValues(source, result(err)).Inc()
	return err
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "success"
}
