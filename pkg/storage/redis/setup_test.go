package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"k8s.io/apimachinery/pkg/api/apitesting"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	"k8s.io/apiserver/pkg/storage/value"
	compbasemetrics "k8s.io/component-base/metrics"

	"github.com/netweave-io/netweave/pkg/storage/unique"
	"github.com/netweave-io/netweave/test/redisserver"
)

var (
	scheme = runtime.NewScheme()
	codecs = serializer.NewCodecFactory(scheme)
)

const testTransformerPrefix = "test!"

func init() {
	metav1.AddToGroupVersion(scheme, metav1.SchemeGroupVersion)
	utilruntime.Must(example.AddToScheme(scheme))
	utilruntime.Must(examplev1.AddToScheme(scheme))
}

// testEnv is one redis-server shared by the subtests of a top-level test;
// each store gets its own install prefix, so subtests never see each other.
type testEnv struct {
	server *redisserver.Server
	client *goredis.Client
	// listCalls counts successful list-script executions (the analogue of
	// etcd range requests for the call-count invariants).
	listCalls atomic.Uint64
	prefixes  atomic.Uint64
}

func newTestEnv(t testing.TB) *testEnv { return newTestEnvWith(t, redisserver.Options{}) }

// newTestMetrics returns store metrics registered with a registry of the test's own.
func newTestMetrics(t testing.TB) *Metrics {
	t.Helper()
	m, err := NewMetrics(compbasemetrics.NewKubeRegistry().Register)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newTestEnvWith is newTestEnv with a redis-server started with o.
func newTestEnvWith(t testing.TB, o redisserver.Options) *testEnv {
	env := &testEnv{server: redisserver.StartWith(t, o)}
	env.client = goredis.NewClient(&goredis.Options{Addr: env.server.Addr()})
	env.client.AddHook(listCounter{env})
	t.Cleanup(func() { _ = env.client.Close() })
	return env
}

type setupOptions struct {
	installPrefix  string
	codec          runtime.Codec
	transformer    value.Transformer
	pathPrefix     string
	resourcePrefix string
	newFunc        func() runtime.Object
	historyLength  int64
	historyBytes   int64
	uniqueIndex    *unique.Index
	// watchPollInterval is the watch reader's XREAD block (100ms unless set).
	watchPollInterval time.Duration
	// client is the env's unless set.
	client *goredis.Client
	// writeClient is the store's Config.WriteClient (derived from client unless set).
	writeClient *goredis.Client
	// metrics, when set, is the store's Config.Metrics.
	metrics *Metrics
}

type setupOption func(*setupOptions)

func withCodec(c runtime.Codec) setupOption { return func(o *setupOptions) { o.codec = c } }
func withTransformer(t value.Transformer) setupOption {
	return func(o *setupOptions) { o.transformer = t }
}
func withPathPrefix(p string) setupOption      { return func(o *setupOptions) { o.pathPrefix = p } }
func withHistoryLength(n int64) setupOption    { return func(o *setupOptions) { o.historyLength = n } }
func withHistoryBytes(n int64) setupOption     { return func(o *setupOptions) { o.historyBytes = n } }
func withInstallPrefix(p string) setupOption   { return func(o *setupOptions) { o.installPrefix = p } }
func withClient(c *goredis.Client) setupOption { return func(o *setupOptions) { o.client = c } }
func withWriteClient(c *goredis.Client) setupOption {
	return func(o *setupOptions) { o.writeClient = c }
}
func withMetrics(m *Metrics) setupOption { return func(o *setupOptions) { o.metrics = m } }
func withWatchPollInterval(d time.Duration) setupOption {
	return func(o *setupOptions) { o.watchPollInterval = d }
}
func withUniqueIndex(idx *unique.Index) setupOption {
	return func(o *setupOptions) { o.uniqueIndex = idx }
}

func (env *testEnv) newStore(t testing.TB, opts ...setupOption) *Store {
	o := setupOptions{
		codec:             apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion),
		transformer:       storagetesting.NewPrefixTransformer([]byte(testTransformerPrefix), false),
		resourcePrefix:    "/pods/",
		newFunc:           func() runtime.Object { return &example.Pod{} },
		historyLength:     -1,
		watchPollInterval: 100 * time.Millisecond,
		client:            env.client,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.installPrefix == "" {
		o.installPrefix = fmt.Sprintf("test-%d", env.prefixes.Add(1))
	}
	var writes goredis.UniversalClient
	if o.writeClient != nil {
		writes = o.writeClient
	}
	s, err := New(Config{
		Client:            o.client,
		WriteClient:       writes,
		Codec:             o.codec,
		Transformer:       o.transformer,
		NewFunc:           o.newFunc,
		NewListFunc:       func() runtime.Object { return &example.PodList{} },
		InstallPrefix:     o.installPrefix,
		PathPrefix:        o.pathPrefix,
		ResourcePrefix:    o.resourcePrefix,
		GroupResource:     schema.GroupResource{Resource: "pods"},
		HistoryLength:     o.historyLength,
		HistoryBytes:      o.historyBytes,
		WatchPollInterval: o.watchPollInterval,
		ProgressInterval:  time.Second,
		TTLCheckInterval:  100 * time.Millisecond,
		UniqueIndex:       o.uniqueIndex,
		Metrics:           o.metrics,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// listCounter is a go-redis hook counting list-script calls.
type listCounter struct{ env *testEnv }

func (listCounter) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h listCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		if err == nil && isListScript(cmd) {
			h.env.listCalls.Add(1)
		}
		return err
	}
}
func (listCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

func isListScript(cmd goredis.Cmder) bool {
	args := cmd.Args()
	if len(args) < 2 {
		return false
	}
	switch strings.ToLower(cmd.Name()) {
	case "evalsha", "evalsha_ro":
		return args[1] == listScript.Hash()
	case "eval", "eval_ro":
		return strings.Contains(fmt.Sprint(args[1]), "ZLEXCOUNT")
	}
	return false
}

// checkStorageInvariants reads the raw stored bytes, like etcd3's test does
// with the etcd client.
func (env *testEnv) checkStorageInvariants(s *Store) storagetesting.KeyValidation {
	return func(ctx context.Context, t *testing.T, key string) {
		raw, err := env.client.HGet(ctx, s.keys.object(key), "v").Bytes()
		if err != nil {
			t.Fatalf("reading %q from redis: %v", key, err)
		}
		if !strings.HasPrefix(string(raw), testTransformerPrefix) {
			t.Fatalf("stored value lacks transformer prefix: %q", raw)
		}
		decoded, err := runtime.Decode(s.codec, raw[len(testTransformerPrefix):])
		if err != nil {
			t.Fatalf("decoding stored object: %v", err)
		}
		obj := decoded.(*example.Pod)
		if obj.ResourceVersion != "" {
			t.Errorf("stored object should have empty resource version")
		}
		//lint:ignore SA1019 checking that the legacy field stays unset is the point, as in etcd3's test
		if obj.SelfLink != "" {
			t.Errorf("stored output should have empty selfLink")
		}
	}
}

func compactStorage(s *Store) storagetesting.Compaction {
	return func(ctx context.Context, t *testing.T, resourceVersion string) {
		rv, err := s.Versioner().ParseResourceVersion(resourceVersion)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Compact(ctx, int64(rv)); err != nil {
			t.Fatal(err)
		}
	}
}

// increaseRV makes an unrelated write: it only advances the global counter,
// like etcd3's test putting a key outside the resource.
func (env *testEnv) increaseRV(s *Store) storagetesting.IncreaseRVFunc {
	return func(ctx context.Context, t *testing.T) int64 {
		rev, err := env.client.Incr(ctx, s.keys.rev).Result()
		if err != nil {
			t.Fatalf("increasing revision: %v", err)
		}
		return rev
	}
}

// callsValidation mirrors etcd3's checkStorageCallsInvariants: decode count
// equals the objects processed and list round trips follow the page-doubling
// schedule.
func (env *testEnv) callsValidation(transformer *storagetesting.PrefixTransformer) storagetesting.CallsValidation {
	return func(t *testing.T, pageSize, estimatedProcessedObjects uint64) {
		if reads := transformer.GetReadsAndReset(); reads != estimatedProcessedObjects {
			t.Errorf("unexpected reads: %d, expected: %d", reads, estimatedProcessedObjects)
		}
		estimatedCalls := uint64(1)
		if pageSize != 0 {
			currLimit := pageSize
			for sum := uint64(1); sum < estimatedProcessedObjects; {
				currLimit *= 2
				if currLimit > maxWindow {
					currLimit = maxWindow
				}
				sum += currLimit
				estimatedCalls++
			}
		}
		if calls := env.listCalls.Swap(0); calls != estimatedCalls {
			t.Fatalf("unexpected list calls: %d, want: %d", calls, estimatedCalls)
		}
	}
}

// storeWithPrefixTransformer satisfies storagetesting.InterfaceWithPrefixTransformer.
type storeWithPrefixTransformer struct{ *Store }

func (s storeWithPrefixTransformer) UpdatePrefixTransformer(modifier storagetesting.PrefixTransformerModifier) func() {
	orig := s.getTransformer().(*storagetesting.PrefixTransformer)
	cp := storagetesting.NewPrefixTransformer([]byte(testTransformerPrefix), false)
	*cp = *orig //nolint:govet // copying the test transformer's config is the point
	s.SetTransformer(modifier(cp))
	return func() { s.SetTransformer(orig) }
}

// storeWithTransformerOverride satisfies storagetesting.InterfaceWithTransformerOverride.
type storeWithTransformerOverride struct{ *Store }

func (s storeWithTransformerOverride) UpdateTransformer(modifier storagetesting.TransformerModifier) func() {
	orig := s.getTransformer()
	s.SetTransformer(modifier(orig))
	return func() { s.SetTransformer(orig) }
}

// failingCodec and failingTransformer let the unsafe-deletion tests make
// stored objects undecodable on demand.
type failingCodec struct {
	runtime.Codec
	fail atomic.Bool
}

func (c *failingCodec) setFailing(f bool) { c.fail.Store(f) }
func (c *failingCodec) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	if c.fail.Load() {
		return nil, nil, errors.New("synthetic decode error")
	}
	return c.Codec.Decode(data, defaults, into)
}

type failingTransformer struct {
	value.Transformer
	fail atomic.Bool
}

func (f *failingTransformer) setFailing(v bool) { f.fail.Store(v) }
func (f *failingTransformer) TransformFromStorage(ctx context.Context, data []byte, dataCtx value.Context) ([]byte, bool, error) {
	if f.fail.Load() {
		return nil, false, errors.New("synthetic transform error")
	}
	return f.Transformer.TransformFromStorage(ctx, data, dataCtx)
}

var _ storage.Interface = storeWithPrefixTransformer{}
