package apiserver

import (
	"fmt"

	compbasemetrics "k8s.io/component-base/metrics"

	"github.com/netweave-io/netweave/pkg/storage/readcache"
	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"

	// Reports every named client-go workqueue (the inventory sync's, the notifier's, the alarm
	// controllers') as workqueue_depth{name}, workqueue_adds_total{name}, … on the legacy
	// registry. The generic API server imports it too; netweave's controllers rely on it, so
	// they say so.
	_ "k8s.io/component-base/metrics/prometheus/workqueue"
)

// StorageMetrics are the metrics of every resource's Redis store and read cache, created once
// per process and shared by all of them.
type StorageMetrics struct {
	Store *redisstore.Metrics
	Cache *readcache.Metrics
	// WatermarkRecords counts StoreWatermark's records by result.
	WatermarkRecords *compbasemetrics.CounterVec
}

// NewStorageMetrics creates the storage metrics and registers them with register
// (legacyregistry.Register in the server, a fresh registry's Register in tests).
func NewStorageMetrics(register func(compbasemetrics.Registerable) error) (*StorageMetrics, error) {
	store, err := redisstore.NewMetrics(register)
	if err != nil {
		return nil, err
	}
	cache, err := readcache.NewMetrics(register)
	if err != nil {
		return nil, err
	}
	records := compbasemetrics.NewCounterVec(&compbasemetrics.CounterOpts{
		Namespace:      "netweave",
		Subsystem:      "redis",
		Name:           "watermark_records_total",
		Help:           "Attempts to record the newest revision this replica saw of the store in the watermark Lease, by result: recorded, current (the Lease held it or a newer one), nothing (no revision seen yet), error.",
		StabilityLevel: compbasemetrics.ALPHA,
	}, []string{"result"})
	if err := register(records); err != nil {
		return nil, fmt.Errorf("register the watermark metrics: %w", err)
	}
	return &StorageMetrics{Store: store, Cache: cache, WatermarkRecords: records}, nil
}

// store is the stores' metrics, nil when there are none.
func (m *StorageMetrics) store() *redisstore.Metrics {
	if m == nil {
		return nil
	}
	return m.Store
}

// cache is the caches' metrics, nil when there are none.
func (m *StorageMetrics) cache() *readcache.Metrics {
	if m == nil {
		return nil
	}
	return m.Cache
}

// watermarkRecords is the watermark's counter, nil when there are no metrics.
func (m *StorageMetrics) watermarkRecords() *compbasemetrics.CounterVec {
	if m == nil {
		return nil
	}
	return m.WatermarkRecords
}
