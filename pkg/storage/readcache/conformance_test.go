package readcache

import (
	"context"
	"fmt"
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
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	"k8s.io/apiserver/pkg/storage/value/encrypt/identity"

	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
	"github.com/netweave-io/netweave/test/redisserver"
)

var (
	scheme = runtime.NewScheme()
	codecs = serializer.NewCodecFactory(scheme)
)

func init() {
	metav1.AddToGroupVersion(scheme, metav1.SchemeGroupVersion)
	utilruntime.Must(example.AddToScheme(scheme))
	utilruntime.Must(examplev1.AddToScheme(scheme))
}

type testEnv struct {
	server   *redisserver.Server
	client   *goredis.Client
	prefixes atomic.Uint64
}

func newTestEnv(t testing.TB) *testEnv {
	srv := redisserver.Start(t)
	env := &testEnv{server: srv, client: goredis.NewClient(&goredis.Options{Addr: srv.Addr()})}
	t.Cleanup(func() { _ = env.client.Close() })
	return env
}

// podKey is the registry's key function for the example pods used by the
// conformance suite.
func podKey(obj runtime.Object) (string, error) {
	pod, ok := obj.(*example.Pod)
	if !ok {
		return "", fmt.Errorf("not a pod: %T", obj)
	}
	return fmt.Sprintf("/pods/%s/%s", pod.Namespace, pod.Name), nil
}

type fixture struct {
	cache *Cache
	store *redisstore.Store
	// other shares the install (and so the revision counter) but not the
	// resource, for "unrelated write" steps.
	other *redisstore.Store
}

// newFixture builds a cache over a fresh store. Periodic progress bookmarks
// are off unless asked for, so the cache only advances on events and on the
// progress requests of consistent reads, which makes the revisions that
// RunTestConsistentList checks deterministic.
func (env *testEnv) newFixture(t testing.TB, progressInterval ...time.Duration) *fixture {
	interval := time.Hour
	if len(progressInterval) > 0 {
		interval = progressInterval[0]
	}
	install := fmt.Sprintf("cache-%d", env.prefixes.Add(1))
	mk := func(resourcePrefix string) *redisstore.Store {
		s, err := redisstore.New(redisstore.Config{
			Client:            env.client,
			Codec:             apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion),
			NewFunc:           func() runtime.Object { return &example.Pod{} },
			NewListFunc:       func() runtime.Object { return &example.PodList{} },
			InstallPrefix:     install,
			ResourcePrefix:    resourcePrefix,
			GroupResource:     schema.GroupResource{Resource: "pods"},
			HistoryLength:     -1,
			WatchPollInterval: 100 * time.Millisecond,
			ProgressInterval:  interval,
			TTLCheckInterval:  100 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	f := &fixture{store: mk("/pods/"), other: mk("/other/")}
	f.cache = env.newFixtureOver(t, f.store)
	return f
}

// podConfig is the configuration of a cache of the pods of store.
func podConfig(store storage.Interface) Config {
	return Config{
		Storage:        store,
		ResourcePrefix: "/pods/",
		KeyFunc:        podKey,
		NewFunc:        func() runtime.Object { return &example.Pod{} },
		NewListFunc:    func() runtime.Object { return &example.PodList{} },
		GroupResource:  schema.GroupResource{Resource: "pods"},
	}
}

// newFixtureOver starts a cache of the pods of store and waits until it is ready.
func (env *testEnv) newFixtureOver(t testing.TB, store storage.Interface) *Cache {
	c, err := New(podConfig(store))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	// Like the cacher's tests, start from a synced cache so the revisions it
	// reports depend only on the test's own steps.
	if err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, wait.ForeverTestTimeout, true,
		func(context.Context) (bool, error) { return c.Ready(), nil }); err != nil {
		t.Fatalf("cache never became ready: %v", err)
	}
	return c
}

func (f *fixture) compaction() storagetesting.Compaction {
	return func(ctx context.Context, t *testing.T, resourceVersion string) {
		rv, err := f.store.Versioner().ParseResourceVersion(resourceVersion)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.store.Compact(ctx, int64(rv)); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) increaseRV() storagetesting.IncreaseRVFunc {
	var n atomic.Uint64
	return func(ctx context.Context, t *testing.T) int64 {
		out := &example.Pod{}
		obj := &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bump-%d", n.Add(1))}}
		if err := f.other.Create(ctx, "/other/"+obj.Name, obj, out, 0); err != nil {
			t.Fatalf("unrelated write: %v", err)
		}
		rv, err := f.store.Versioner().ParseResourceVersion(out.ResourceVersion)
		if err != nil {
			t.Fatal(err)
		}
		return int64(rv)
	}
}

// The call-count invariants of the list tests describe storage round trips;
// a cache answers those lists from memory, so it only needs correct results.
func noCallsValidation(*testing.T, uint64, uint64) {}

// The upstream storage conformance suite against the cache-wrapped Redis
// store, like the cacher's own tests. Not run, and why:
//
//   - RunTestKeySchema: it stores empty objects at keys unrelated to the
//     object's name; a cache keyed by KeyFunc (as the registry guarantees)
//     cannot represent that. The Redis store itself passes it.
//   - RunTestGuaranteedUpdate, RunTestGuaranteedUpdateChecksStoredData,
//     RunTestTransformationFailure, RunTestListResourceVersionMatch,
//     RunTestWatchError, RunWatchErrorIsBlockingFurtherEvents,
//     RunTestGetListWith(out)ErrorAggregation, RunTestWatchWithUnsafeDelete:
//     they swap the store's value transformer, which lives below the cache;
//     they run against the store in pkg/storage/redis.
//   - RunTestDelete*ExpectedTransformOrDecodeError variants: same reason
//     (codec/transformer failure injection in the store).
//   - RunTestOptionalWatchBookmarksWithCorrectResourceVersion: watches pass
//     through to the store, which sends bookmarks only to progress-notify
//     watchers.
//   - RunTestCompactRevision: compaction is a property of the store, and the
//     cache reports the store's value; covered in pkg/storage/redis.
func TestCacheConformance(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	run := func(name string, fn func(t *testing.T, f *fixture)) {
		t.Run(name, func(t *testing.T) { fn(t, env.newFixture(t)) })
	}

	run("Create", func(t *testing.T, f *fixture) {
		storagetesting.RunTestCreate(ctx, t, f.cache, func(context.Context, *testing.T, string) {})
	})
	run("CreateWithTTL", func(t *testing.T, f *fixture) { storagetesting.RunTestCreateWithTTL(ctx, t, f.cache) })
	run("CreateWithKeyExist", func(t *testing.T, f *fixture) { storagetesting.RunTestCreateWithKeyExist(ctx, t, f.cache) })
	run("Get", func(t *testing.T, f *fixture) { storagetesting.RunTestGet(ctx, t, f.cache) })
	run("UnconditionalDelete", func(t *testing.T, f *fixture) { storagetesting.RunTestUnconditionalDelete(ctx, t, f.cache) })
	run("ConditionalDelete", func(t *testing.T, f *fixture) { storagetesting.RunTestConditionalDelete(ctx, t, f.cache) })
	run("DeleteWithSuggestion", func(t *testing.T, f *fixture) { storagetesting.RunTestDeleteWithSuggestion(ctx, t, f.cache) })
	run("DeleteWithSuggestionAndConflict", func(t *testing.T, f *fixture) {
		storagetesting.RunTestDeleteWithSuggestionAndConflict(ctx, t, f.cache)
	})
	run("DeleteWithSuggestionOfDeletedObject", func(t *testing.T, f *fixture) {
		storagetesting.RunTestDeleteWithSuggestionOfDeletedObject(ctx, t, f.cache)
	})
	run("ValidateDeletionWithSuggestion", func(t *testing.T, f *fixture) {
		storagetesting.RunTestValidateDeletionWithSuggestion(ctx, t, f.cache)
	})
	run("ValidateDeletionWithOnlySuggestionValid", func(t *testing.T, f *fixture) {
		storagetesting.RunTestValidateDeletionWithOnlySuggestionValid(ctx, t, f.cache)
	})
	run("DeleteWithConflict", func(t *testing.T, f *fixture) { storagetesting.RunTestDeleteWithConflict(ctx, t, f.cache) })
	run("PreconditionalDeleteWithSuggestion", func(t *testing.T, f *fixture) {
		storagetesting.RunTestPreconditionalDeleteWithSuggestion(ctx, t, f.cache)
	})
	run("PreconditionalDeleteWithOnlySuggestionPass", func(t *testing.T, f *fixture) {
		storagetesting.RunTestPreconditionalDeleteWithOnlySuggestionPass(ctx, t, f.cache)
	})
	run("List", func(t *testing.T, f *fixture) {
		storagetesting.RunTestList(ctx, t, f.cache, f.compaction(), false, nil)
	})
	run("ListPaging", func(t *testing.T, f *fixture) { storagetesting.RunTestListPaging(ctx, t, f.cache) })
	run("GetListNonRecursive", func(t *testing.T, f *fixture) {
		storagetesting.RunTestGetListNonRecursive(ctx, t, f.increaseRV(), f.cache)
	})
	run("GetListRecursivePrefix", func(t *testing.T, f *fixture) {
		storagetesting.RunTestGetListRecursivePrefix(ctx, t, f.cache)
	})
	run("ConsistentList", func(t *testing.T, f *fixture) {
		storagetesting.RunTestConsistentList(ctx, t, f.cache, f.increaseRV(), true, true, false)
	})
	run("ListContinuation", func(t *testing.T, f *fixture) {
		storagetesting.RunTestListContinuation(ctx, t, f.cache, noCallsValidation)
	})
	run("ListPaginationRareObject", func(t *testing.T, f *fixture) {
		storagetesting.RunTestListPaginationRareObject(ctx, t, f.cache, noCallsValidation)
	})
	run("ListContinuationWithFilter", func(t *testing.T, f *fixture) {
		storagetesting.RunTestListContinuationWithFilter(ctx, t, f.cache, noCallsValidation)
	})
	run("NamespaceScopedList", func(t *testing.T, f *fixture) { storagetesting.RunTestNamespaceScopedList(ctx, t, f.cache) })
	run("ListInconsistentContinuation", func(t *testing.T, f *fixture) {
		storagetesting.RunTestListInconsistentContinuation(ctx, t, f.cache, f.compaction())
	})
	run("Stats", func(t *testing.T, f *fixture) {
		storagetesting.RunTestStats(ctx, t, f.cache, apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion), identity.NewEncryptCheckTransformer(), false)
	})
	run("GuaranteedUpdateWithTTL", func(t *testing.T, f *fixture) {
		storagetesting.RunTestGuaranteedUpdateWithTTL(ctx, t, f.cache)
	})
	run("GuaranteedUpdateWithConflict", func(t *testing.T, f *fixture) {
		storagetesting.RunTestGuaranteedUpdateWithConflict(ctx, t, f.cache)
	})
	run("GuaranteedUpdateWithSuggestionAndConflict", func(t *testing.T, f *fixture) {
		storagetesting.RunTestGuaranteedUpdateWithSuggestionAndConflict(ctx, t, f.cache)
	})

	run("Watch", func(t *testing.T, f *fixture) { storagetesting.RunTestWatch(ctx, t, f.cache) })
	run("ClusterScopedWatch", func(t *testing.T, f *fixture) { storagetesting.RunTestClusterScopedWatch(ctx, t, f.cache) })
	run("NamespaceScopedWatch", func(t *testing.T, f *fixture) { storagetesting.RunTestNamespaceScopedWatch(ctx, t, f.cache) })
	run("DeleteTriggerWatch", func(t *testing.T, f *fixture) { storagetesting.RunTestDeleteTriggerWatch(ctx, t, f.cache) })
	run("WatchFromZero", func(t *testing.T, f *fixture) {
		storagetesting.RunTestWatchFromZero(ctx, t, f.cache, f.compaction())
	})
	run("WatchFromNonZero", func(t *testing.T, f *fixture) { storagetesting.RunTestWatchFromNonZero(ctx, t, f.cache) })
	run("DelayedWatchDelivery", func(t *testing.T, f *fixture) { storagetesting.RunTestDelayedWatchDelivery(ctx, t, f.cache) })
	run("WatchContextCancel", func(t *testing.T, f *fixture) { storagetesting.RunTestWatchContextCancel(ctx, t, f.cache) })
	run("WatcherTimeout", func(t *testing.T, f *fixture) { storagetesting.RunTestWatcherTimeout(ctx, t, f.cache) })
	run("WatchDeleteEventObjectHaveLatestRV", func(t *testing.T, f *fixture) {
		storagetesting.RunTestWatchDeleteEventObjectHaveLatestRV(ctx, t, f.cache)
	})
	run("WatchInitializationSignal", func(t *testing.T, f *fixture) {
		storagetesting.RunTestWatchInitializationSignal(ctx, t, f.cache)
	})
	t.Run("ProgressNotify", func(t *testing.T) {
		f := env.newFixture(t, time.Second)
		storagetesting.RunOptionalTestProgressNotify(ctx, t, f.cache, f.increaseRV())
	})
	run("WatchDispatchBookmarkEvents", func(t *testing.T, f *fixture) {
		storagetesting.RunTestWatchDispatchBookmarkEvents(ctx, t, f.cache, false)
	})
	run("SendInitialEventsBackwardCompatibility", func(t *testing.T, f *fixture) {
		storagetesting.RunSendInitialEventsBackwardCompatibility(ctx, t, f.cache)
	})
	run("WatchSemantics", func(t *testing.T, f *fixture) { storagetesting.RunWatchSemantics(ctx, t, f.cache) })
	run("WatchSemanticInitialEventsExtended", func(t *testing.T, f *fixture) {
		storagetesting.RunWatchSemanticInitialEventsExtended(ctx, t, f.cache)
	})
	run("WatchListMatchSingle", func(t *testing.T, f *fixture) { storagetesting.RunWatchListMatchSingle(ctx, t, f.cache) })
}
