package redis

import (
	"context"
	"strconv"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/apitesting"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"
)

// TestMetricsArePerInstance: the metrics a store is given move with its requests and watches,
// on the registry they were registered with, and nothing is shared between two sets.
func TestMetricsArePerInstance(t *testing.T) {
	env := newTestEnv(t)
	registry := metrics.NewKubeRegistry()
	m, err := NewMetrics(registry.Register)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewMetrics(registry.Register); err == nil {
		t.Error("a second set registered on the same registry: want an AlreadyRegistered error")
	}
	other, err := NewMetrics(metrics.NewKubeRegistry().Register)
	if err != nil {
		t.Fatalf("a second set on its own registry: %v", err)
	}

	s, err := New(Config{
		Client:            env.client,
		Codec:             apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion),
		NewFunc:           func() runtime.Object { return &example.Pod{} },
		NewListFunc:       func() runtime.Object { return &example.PodList{} },
		InstallPrefix:     "metrics",
		ResourcePrefix:    "/pods/",
		GroupResource:     schema.GroupResource{Resource: "pods"},
		WatchPollInterval: 100 * time.Millisecond,
		Metrics:           m,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctx := context.Background()
	rev, err := s.GetCurrentResourceVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A watch from the current revision reads the change stream.
	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: strconv.FormatUint(rev, 10), Recursive: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	out := &example.Pod{}
	if err := s.Create(ctx, "/pods/ns/p", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}}, out, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Get(ctx, "/pods/ns/p", storage.GetOptions{}, out); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.ResultChan():
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("the watch saw no event")
	}

	pods := map[string]string{"group": "", "resource": "pods"}
	for _, op := range []string{"create", "get"} {
		labels := map[string]string{"operation": op, "group": "", "resource": "pods"}
		vec, err := testutil.GetHistogramVecFromGatherer(registry, "netweave_redis_storage_request_duration_seconds", labels)
		if err != nil {
			t.Fatal(err)
		}
		if n := vec.GetAggregatedSampleCount(); n == 0 {
			t.Errorf("netweave_redis_storage_request_duration_seconds{operation=%q}: no samples gathered", op)
		}
	}
	events, err := testutil.GetCounterValuesFromGatherer(registry, "netweave_redis_storage_stream_events_total", pods, "resource")
	if err != nil || events["pods"] < 1 {
		t.Errorf("netweave_redis_storage_stream_events_total{resource=pods}: %v (%v), want at least 1", events, err)
	}
	gauge := func(m *Metrics) float64 {
		v, err := testutil.GetGaugeMetricValue(m.Watchers.WithLabelValues("", "pods"))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := gauge(m); v != 1 {
		t.Errorf("netweave_redis_storage_watchers with one watch open: %v", v)
	}
	w.Stop()
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		return gauge(m) == 0, nil
	}); err != nil {
		t.Errorf("netweave_redis_storage_watchers after the watch stopped: %v", gauge(m))
	}
	if n, err := testutil.GetHistogramMetricCount(other.RequestDuration.WithLabelValues("get", "", "pods")); err != nil || n != 0 {
		t.Errorf("another store's metrics moved: %d samples (%v)", n, err)
	}

	m.RecordPersistence(PersistenceRDB)
	if v, err := testutil.GetGaugeMetricValue(m.Persistence.WithLabelValues(PersistenceRDB)); err != nil || v != 1 {
		t.Errorf("netweave_redis_persistence{mode=rdb}: %v (%v)", v, err)
	}
	(*Metrics)(nil).RecordPersistence(PersistenceAOF) // a store or check without metrics records nothing
}
