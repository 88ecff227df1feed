package inventory_test

import (
	"fmt"
	"testing"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/pkg/inventory"

	// The server's workqueue metrics provider (pkg/apiserver imports it).
	_ "k8s.io/component-base/metrics/prometheus/workqueue"
)

// queueMetric sums the samples of the upstream workqueue metric name for the inventory queue
// (the sample count for a histogram).
func queueMetric(t *testing.T, name string) float64 {
	t.Helper()
	families, err := legacyregistry.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if !testutil.LabelsMatch(m, map[string]string{"name": "inventory"}) {
				continue
			}
			switch {
			case m.Gauge != nil:
				sum += m.GetGauge().GetValue()
			case m.Counter != nil:
				sum += m.GetCounter().GetValue()
			case m.Histogram != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return sum
}

// TestQueueAndSyncMetrics: the controller's queue is client-go's, named "inventory", so the
// upstream workqueue metrics report it (the hand-made netweave_inventory_queue_depth is
// gone), and its own metrics move on the registry they were registered with.
func TestQueueAndSyncMetrics(t *testing.T) {
	addsBefore := queueMetric(t, "workqueue_adds_total")
	workBefore := queueMetric(t, "workqueue_work_duration_seconds")
	registry := metrics.NewKubeRegistry()
	m, err := inventory.NewMetrics(registry.Register)
	if err != nil {
		t.Fatal(err)
	}
	nodes := []string{"worker-1", "worker-2"}
	r := startSyncWithMetrics(t, m, inventory.NewNodePoolNamespaces(invNS), nodes...)

	// The full resync queues every node and the shared objects.
	if adds := queueMetric(t, "workqueue_adds_total") - addsBefore; adds < float64(len(nodes)+1) {
		t.Errorf("workqueue_adds_total{name=\"inventory\"} grew by %v, want at least %d", adds, len(nodes)+1)
	}
	r.eventually("the inventory queue drains", func() error {
		if d := queueMetric(t, "workqueue_depth"); d != 0 {
			return fmt.Errorf("workqueue_depth{name=\"inventory\"} = %v", d)
		}
		if n := queueMetric(t, "workqueue_work_duration_seconds") - workBefore; n < float64(len(nodes)) {
			return fmt.Errorf("workqueue_work_duration_seconds{name=\"inventory\"}: %v new samples", n)
		}
		return nil
	})
	for _, kind := range []string{"source", "shared"} {
		vec, err := testutil.GetHistogramVecFromGatherer(registry, "netweave_inventory_sync_duration_seconds", map[string]string{"kind": kind})
		if err != nil || vec.GetAggregatedSampleCount() == 0 {
			t.Errorf("netweave_inventory_sync_duration_seconds{kind=%q}: no samples (%v)", kind, err)
		}
	}
	writes, err := testutil.GetCounterValuesFromGatherer(registry, "netweave_inventory_writes_total", map[string]string{"resource": "resources"}, "verb")
	if err != nil || writes["create"] < float64(len(nodes)) {
		t.Errorf("netweave_inventory_writes_total{resource=resources}: %v (%v), want %d creates", writes, err, len(nodes))
	}
	families, err := registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "netweave_inventory_queue_depth" {
			t.Error("netweave_inventory_queue_depth duplicates workqueue_depth{name=\"inventory\"}")
		}
	}
}
