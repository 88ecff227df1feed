package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	compbasemetrics "k8s.io/component-base/metrics"
)

const metricsSubsystem = "netweave_redis_storage"

// Metrics are the Prometheus metrics of the Redis stores of one process. The server creates
// them once and hands them to every store through Config.Metrics (and to its durability
// check); a nil *Metrics records nothing.
type Metrics struct {
	// RequestDuration observes every Redis round trip, by operation and resource.
	RequestDuration *compbasemetrics.HistogramVec
	// RequestErrors counts round trips that failed with a Redis or script error.
	RequestErrors *compbasemetrics.CounterVec
	// Watchers is the number of open watches served from the change stream.
	Watchers *compbasemetrics.GaugeVec
	// StreamEvents counts the change events the shared watch reader read.
	StreamEvents *compbasemetrics.CounterVec
	// Persistence is 1 for the persistence mode the Redis primary was last seen in.
	Persistence *compbasemetrics.GaugeVec
	// Answering is 0 while the Breaker holds Redis for not answering, 1 otherwise.
	Answering *compbasemetrics.Gauge
	// Refused counts commands the Breaker failed at once because Redis was not answering.
	Refused *compbasemetrics.Counter
	// Replicas counts the replicas of the primary by what promoting each would make of
	// netweave (ReplicaVerdicts), as of the last periodic durability check.
	Replicas *compbasemetrics.GaugeVec
	// Rejected counts storage operations Redis refused without running them, by reason (full,
	// persistence, loading, read-only, ...).
	Rejected *compbasemetrics.CounterVec
	// Resets counts the times a store found Redis wiped or rolled back (and so ended its
	// watches with 410 and dropped what it had cached), by resource and reason.
	Resets *compbasemetrics.CounterVec
}

// NewMetrics creates the metrics and registers them with register (legacyregistry.Register in
// the server, a fresh registry's Register in tests).
func NewMetrics(register func(compbasemetrics.Registerable) error) (*Metrics, error) {
	m := &Metrics{
		RequestDuration: compbasemetrics.NewHistogramVec(
			&compbasemetrics.HistogramOpts{
				Subsystem:      metricsSubsystem,
				Name:           "request_duration_seconds",
				Help:           "Latency of Redis storage operations by operation and resource.",
				Buckets:        []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
				StabilityLevel: compbasemetrics.ALPHA,
			},
			[]string{"operation", "group", "resource"},
		),
		RequestErrors: compbasemetrics.NewCounterVec(
			&compbasemetrics.CounterOpts{
				Subsystem:      metricsSubsystem,
				Name:           "request_errors_total",
				Help:           "Redis storage operations that failed with a Redis or script error.",
				StabilityLevel: compbasemetrics.ALPHA,
			},
			[]string{"operation", "group", "resource"},
		),
		Watchers: compbasemetrics.NewGaugeVec(
			&compbasemetrics.GaugeOpts{
				Subsystem:      metricsSubsystem,
				Name:           "watchers",
				Help:           "Open watches served from the Redis change stream.",
				StabilityLevel: compbasemetrics.ALPHA,
			},
			[]string{"group", "resource"},
		),
		StreamEvents: compbasemetrics.NewCounterVec(
			&compbasemetrics.CounterOpts{
				Subsystem:      metricsSubsystem,
				Name:           "stream_events_total",
				Help:           "Change events read from the Redis stream by the shared watch reader.",
				StabilityLevel: compbasemetrics.ALPHA,
			},
			[]string{"group", "resource"},
		),
		Persistence: compbasemetrics.NewGaugeVec(
			&compbasemetrics.GaugeOpts{
				Namespace:      "netweave",
				Subsystem:      "redis",
				Name:           "persistence",
				Help:           "1 for the persistence mode the Redis primary was last seen in (aof, aof-no-fsync, rdb, none, asserted), 0 for the others.",
				StabilityLevel: compbasemetrics.ALPHA,
			},
			[]string{"mode"},
		),
		Replicas: compbasemetrics.NewGaugeVec(
			&compbasemetrics.GaugeOpts{
				Namespace:      "netweave",
				Subsystem:      "redis",
				Name:           "replicas",
				Help:           "Replicas of the Redis primary by what a failover to each would make of netweave: fit, weak (it would warn: no AOF, or AOF without fsync), unfit (not ready: a maxmemory-policy that evicts, a Redis older than 7.0), unknown (its configuration could not be read).",
				StabilityLevel: compbasemetrics.ALPHA,
			},
			[]string{"verdict"},
		),
		Answering: compbasemetrics.NewGauge(&compbasemetrics.GaugeOpts{
			Namespace:      "netweave",
			Subsystem:      "redis",
			Name:           "answering",
			Help:           "0 while Redis has not answered since a command to it timed out (commands are then refused at once), 1 otherwise.",
			StabilityLevel: compbasemetrics.ALPHA,
		}),
		Refused: compbasemetrics.NewCounter(&compbasemetrics.CounterOpts{
			Namespace:      "netweave",
			Subsystem:      "redis",
			Name:           "refused_commands_total",
			Help:           "Redis commands failed at once, without being sent, because Redis was not answering.",
			StabilityLevel: compbasemetrics.ALPHA,
		}),
		Rejected: compbasemetrics.NewCounterVec(
			&compbasemetrics.CounterOpts{
				Subsystem:      metricsSubsystem,
				Name:           "rejected_total",
				Help:           "Redis storage operations Redis refused without running them, by reason: full (at maxmemory), persistence (cannot write its AOF or RDB), loading, read-only, master-down, no-replicas, try-again, max-clients, auth (credentials refused), permission (ACL refused the command).",
				StabilityLevel: compbasemetrics.ALPHA,
			},
			[]string{"reason"}),
		Resets: compbasemetrics.NewCounterVec(
			&compbasemetrics.CounterOpts{
				Subsystem:      metricsSubsystem,
				Name:           "resets_total",
				Help:           "Times a store found Redis wiped or rolled back, so that its watches ended with 410 and every client relisted, by reason: epoch (the install epoch changed: wiped, or a Redis restarted without persistence), revision (the revision counter went back: a failover to a replica that lacked writes, a restore of an older backup), fingerprint (a revision this process saw was made again by another write, a rollback another replica wrote past). Any increase is data Redis lost.",
				StabilityLevel: compbasemetrics.ALPHA,
			},
			[]string{"group", "resource", "reason"}),
	}
	for _, c := range []compbasemetrics.Registerable{m.RequestDuration, m.RequestErrors, m.Watchers, m.StreamEvents, m.Persistence, m.Replicas, m.Answering, m.Refused, m.Rejected, m.Resets} {
		if err := register(c); err != nil {
			return nil, fmt.Errorf("register redis storage metrics: %w", err)
		}
	}
	// Every reason starts at 0, so an alert on its increase fires on the first refusal.
	for _, r := range rejectionCodes {
		m.Rejected.WithLabelValues(r)
	}
	m.Rejected.WithLabelValues(rejectedMaxClients)
	return m, nil
}

// recordRequest observes one Redis round trip. Conflicts and not-found are
// answers, not errors, so callers pass only transport/script failures.
func (m *Metrics) recordRequest(op string, gr schema.GroupResource, err error, start time.Time) {
	if m == nil {
		return
	}
	m.RequestDuration.WithLabelValues(op, gr.Group, gr.Resource).Observe(time.Since(start).Seconds())
	m.recordFailure(op, gr, err)
}

// recordFailure counts err, when not nil, as a failed op on gr's store. A caller that went
// away (its request cancelled: a client that hung up, a watch stopped, the store closed) is
// not a failure of Redis, and counted as one it kept the chart's critical NetweaveRedisErrors
// alert (any error for 5 min) on for five minutes after each (TestRegressionCallerGoneIsNotARedisError).
func (m *Metrics) recordFailure(op string, gr schema.GroupResource, err error) {
	if m == nil || err == nil || errors.Is(err, context.Canceled) {
		return
	}
	m.RequestErrors.WithLabelValues(op, gr.Group, gr.Resource).Inc()
	if r := rejection(err); r != "" {
		m.Rejected.WithLabelValues(r).Inc()
	}
}

// initResets makes gr's resets_total series exist at 0 for every reason, so that an alert on
// their increase fires on the first reset.
func (m *Metrics) initResets(gr schema.GroupResource) {
	if m == nil {
		return
	}
	for _, r := range resetReasons {
		m.Resets.WithLabelValues(gr.Group, gr.Resource, r)
	}
}

// recordReset counts one reset of gr's store.
func (m *Metrics) recordReset(gr schema.GroupResource, reason string) {
	if m == nil {
		return
	}
	m.Resets.WithLabelValues(gr.Group, gr.Resource, reason).Inc()
}

// addWatchers moves the open-watches gauge of gr by delta.
func (m *Metrics) addWatchers(gr schema.GroupResource, delta float64) {
	if m == nil {
		return
	}
	m.Watchers.WithLabelValues(gr.Group, gr.Resource).Add(delta)
}

// addStreamEvents counts n change events read for gr.
func (m *Metrics) addStreamEvents(gr schema.GroupResource, n int) {
	if m == nil {
		return
	}
	m.StreamEvents.WithLabelValues(gr.Group, gr.Resource).Add(float64(n))
}

// setAnswering sets netweave_redis_answering.
func (m *Metrics) setAnswering(answering bool) {
	if m == nil {
		return
	}
	v := 0.0
	if answering {
		v = 1
	}
	m.Answering.Set(v)
}

// recordRefused counts one command the breaker refused.
func (m *Metrics) recordRefused() {
	if m == nil {
		return
	}
	m.Refused.Inc()
}

// RecordPersistence sets the netweave_redis_persistence gauge to mode, so an alert can fire
// on any mode but aof.
func (m *Metrics) RecordPersistence(mode string) {
	if m == nil {
		return
	}
	for _, p := range persistenceModes {
		v := 0.0
		if p == mode {
			v = 1
		}
		m.Persistence.WithLabelValues(p).Set(v)
	}
}

// RecordReplicas sets the netweave_redis_replicas gauge to the replicas counted by verdict;
// every verdict is set, so one that no replica has any more reads 0.
func (m *Metrics) RecordReplicas(byVerdict map[string]int) {
	if m == nil {
		return
	}
	for _, v := range ReplicaVerdicts {
		m.Replicas.WithLabelValues(v).Set(float64(byVerdict[v]))
	}
}
