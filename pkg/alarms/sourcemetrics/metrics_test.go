package sourcemetrics

import (
	"context"
	"testing"
	"time"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/alarmstest"
)

func TestInstrumentCountsReportsByStateAndResult(t *testing.T) {
	m, err := NewMetrics(metrics.NewKubeRegistry().Register)
	if err != nil {
		t.Fatal(err)
	}
	inner := alarmstest.NewSink()
	sink := m.Instrument(inner)
	ctx := context.Background()
	on := alarms.Observation{Source: "s", Key: "k", Active: true}
	_ = sink.Observe(ctx, on)
	_ = sink.Observe(ctx, alarms.Observation{Source: "s", Key: "k"})
	inner.FailNext(1)
	if err := sink.Observe(ctx, on); err == nil {
		t.Fatal("the inner sink's failure was swallowed")
	}
	_ = sink.Sync(ctx, "s", []alarms.Observation{on, on}, time.Now())

	for _, c := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"s", "active", "success"}, 1},
		{[]string{"s", "inactive", "success"}, 1},
		{[]string{"s", "active", "error"}, 1},
	} {
		if got, _ := testutil.GetCounterMetricValue(m.Observations.WithLabelValues(c.labels...)); got != c.want {
			t.Errorf("observations%v = %v, want %v", c.labels, got, c.want)
		}
	}
	if got, _ := testutil.GetGaugeMetricValue(m.Active.WithLabelValues("s")); got != 2 {
		t.Errorf("active = %v, want 2", got)
	}
	var none *Metrics
	if none.Instrument(inner) != alarms.Sink(inner) {
		t.Error("nil metrics wrap the sink")
	}
}
