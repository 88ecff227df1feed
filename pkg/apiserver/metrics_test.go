package apiserver

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/storage/cachefeed"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestStorageMetricsReachEveryStoreAndCache: the storage the server builds for a resource
// records into the one set of storage metrics it was configured with.
func TestStorageMetricsReachEveryStoreAndCache(t *testing.T) {
	registry := metrics.NewKubeRegistry()
	m, err := NewStorageMetrics(registry.Register)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewStorageMetrics(registry.Register); err == nil {
		t.Error("storage metrics registered twice on one registry: want an error")
	}
	gr := v1alpha1.Resource("locations")
	s, key := locationStorage(t, RedisStorage{KeyPrefix: "metrics", Metrics: m})
	ctx := context.Background()
	loc := &o2ims.Location{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "l"}}
	k, _ := key(loc)
	out := &o2ims.Location{}
	if err := s.Create(ctx, k, loc, out, 0); err != nil {
		t.Fatal(err)
	}
	// The cache becomes ready in the background; once it is, a read is a hit.
	err = wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		if err := s.Get(ctx, k, storage.GetOptions{}, out); err != nil {
			return false, err
		}
		hits, err := testutil.GetCounterValuesFromGatherer(registry, "netweave_storage_cache_hits_total", map[string]string{"resource": "locations"}, "verb")
		return err == nil && hits["get"] > 0, nil
	})
	if err != nil {
		t.Errorf("netweave_storage_cache_hits_total{verb=get,resource=locations} never moved: %v", err)
	}
	vec, err := testutil.GetHistogramVecFromGatherer(registry, "netweave_redis_storage_request_duration_seconds",
		map[string]string{"operation": "create", "group": gr.Group, "resource": gr.Resource})
	if err != nil || vec.GetAggregatedSampleCount() == 0 {
		t.Errorf("netweave_redis_storage_request_duration_seconds{operation=create,resource=locations}: no samples (%v)", err)
	}
}

// locationStorage builds the Location storage the server would from st (its codec filled in,
// and a Redis of its own), and the key function of its objects; both go with the test.
func locationStorage(t *testing.T, st RedisStorage) (storage.Interface, func(runtime.Object) (string, error)) {
	t.Helper()
	srv := redisserver.Start(t)
	st.Client = goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = st.Client.Close() })
	scheme, codecs := NewScheme()
	st.Codec = codecs.LegacyCodec(v1alpha1.SchemeGroupVersion)
	opts, err := NewRESTOptionsGetter(st, cachefeed.New(scheme, ServedGroupVersions())).GetRESTOptions(v1alpha1.Resource("locations"), nil)
	if err != nil {
		t.Fatal(err)
	}
	key := func(obj runtime.Object) (string, error) {
		a, err := meta.Accessor(obj)
		if err != nil {
			return "", err
		}
		return "/" + opts.ResourcePrefix + "/" + a.GetNamespace() + "/" + a.GetName(), nil
	}
	s, destroy, err := opts.Decorator(opts.StorageConfig, "/"+opts.ResourcePrefix, key,
		func() runtime.Object { return &o2ims.Location{} }, func() runtime.Object { return &o2ims.LocationList{} },
		nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(destroy)
	return s, key
}
