package provisioning

import (
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/component-base/metrics"
)

// Metrics count the provisioning controllers' outbound API calls (Cluster API objects in the
// management cluster, and the O2 objects they write). Their work queues are client-go's,
// named "provisioning_templates" and "provisioning_requests", so the upstream workqueue
// metrics report them wherever a workqueue metrics provider is installed (the server's).
type Metrics struct {
	// Calls counts calls by resource, verb and result ("ok", or the API status reason, e.g.
	// "Conflict", "NotFound", "error" for anything without one).
	Calls *metrics.CounterVec
	// CallDuration observes each call's latency by resource and verb.
	CallDuration *metrics.HistogramVec
	// OrphanedClusters is how many Clusters the provisioning controller created are left
	// without their request (netweave's store lost it, or its finalizer was removed by hand):
	// kept, never deleted for that, and counted here so an operator sees them. Set by the
	// leader; 0 on a replica that does not lead.
	OrphanedClusters *metrics.Gauge
	// AdoptedClusters counts the orphaned Clusters a re-submitted request (same id, namespace
	// and ClusterClass) took back.
	AdoptedClusters *metrics.Counter
}

// NewMetrics creates the metrics and registers them with register (legacyregistry.Register in
// the server, a fresh registry in tests).
func NewMetrics(register func(metrics.Registerable) error) (*Metrics, error) {
	m := &Metrics{
		Calls: metrics.NewCounterVec(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "provisioning", Name: "api_calls_total",
			Help:           "API calls of the provisioning controllers, by resource, verb and result.",
			StabilityLevel: metrics.ALPHA,
		}, []string{"resource", "verb", "result"}),
		CallDuration: metrics.NewHistogramVec(&metrics.HistogramOpts{
			Namespace: "netweave", Subsystem: "provisioning", Name: "api_call_duration_seconds",
			Help:           "Latency of the provisioning controllers' API calls, by resource and verb.",
			Buckets:        metrics.ExponentialBuckets(0.0005, 2, 16),
			StabilityLevel: metrics.ALPHA,
		}, []string{"resource", "verb"}),
		OrphanedClusters: metrics.NewGauge(&metrics.GaugeOpts{
			Namespace: "netweave", Subsystem: "provisioning", Name: "orphaned_clusters",
			Help:           "Cluster API Clusters the provisioning controller created whose ProvisioningRequest is gone from the store (kept, not deleted); re-submitting the request adopts its Cluster.",
			StabilityLevel: metrics.ALPHA,
		}),
		AdoptedClusters: metrics.NewCounter(&metrics.CounterOpts{
			Namespace: "netweave", Subsystem: "provisioning", Name: "clusters_adopted_total",
			Help:           "Orphaned Clusters taken back by a re-submitted ProvisioningRequest of the same id, namespace and ClusterClass.",
			StabilityLevel: metrics.ALPHA,
		}),
	}
	for _, c := range []metrics.Registerable{m.Calls, m.CallDuration, m.OrphanedClusters, m.AdoptedClusters} {
		if err := register(c); err != nil {
			return nil, fmt.Errorf("register provisioning metrics: %w", err)
		}
	}
	return m, nil
}

// Observe records one call of verb on resource that started at start and ended with err. A
// nil Metrics records nothing (tests that do not look at metrics).
func (m *Metrics) Observe(resource, verb string, start time.Time, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = string(apierrors.ReasonForError(err))
		if result == "" {
			result = "error"
		}
	}
	m.Calls.WithLabelValues(resource, verb, result).Inc()
	m.CallDuration.WithLabelValues(resource, verb).Observe(time.Since(start).Seconds())
}

// SetOrphaned records n orphaned Clusters; nil records nothing.
func (m *Metrics) SetOrphaned(n int) {
	if m == nil {
		return
	}
	m.OrphanedClusters.Set(float64(n))
}

// Adopted counts one adopted Cluster; nil records nothing.
func (m *Metrics) Adopted() {
	if m == nil {
		return
	}
	m.AdoptedClusters.Inc()
}
