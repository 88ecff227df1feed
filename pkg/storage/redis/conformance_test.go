package redis

import (
	"context"
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/features"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
)

// The upstream storage conformance suite, wired like etcd3's store_test.go
// and watcher_test.go. Functions of k8s.io/apiserver/pkg/storage/testing not
// run here, and why:
//
//   - RunTestGetListWithErrorAggregation, RunTestWatchWithUnsafeDelete: they
//     exercise etcd3's corrupt-object aggregation for
//     AllowUnsafeMalformedObjectDeletion (errors typed as etcd3's unexported
//     corruptObjectError); this store aborts a list on the first undecodable
//     object, which RunTestGetListWithoutErrorAggregation covers.
//   - RunTestOptionalWatchBookmarksWithCorrectResourceVersion: periodic
//     bookmarks for AllowWatchBookmarks are a watch-cache feature (the test
//     says so); the store, like etcd3, only sends progress bookmarks to
//     ProgressNotify watchers. Run against pkg/storage/readcache instead.
//   - RunBenchmark*: benchmarks, see store_bench_test.go.
func TestConformance(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()

	run := func(name string, f func(t *testing.T, s *Store)) {
		t.Run(name, func(t *testing.T) { f(t, env.newStore(t)) })
	}

	run("Create", func(t *testing.T, s *Store) {
		storagetesting.RunTestCreate(ctx, t, s, env.checkStorageInvariants(s))
	})
	run("CreateWithTTL", func(t *testing.T, s *Store) { storagetesting.RunTestCreateWithTTL(ctx, t, s) })
	run("CreateWithKeyExist", func(t *testing.T, s *Store) { storagetesting.RunTestCreateWithKeyExist(ctx, t, s) })
	run("Get", func(t *testing.T, s *Store) { storagetesting.RunTestGet(ctx, t, s) })
	run("UnconditionalDelete", func(t *testing.T, s *Store) { storagetesting.RunTestUnconditionalDelete(ctx, t, s) })
	run("ConditionalDelete", func(t *testing.T, s *Store) { storagetesting.RunTestConditionalDelete(ctx, t, s) })
	run("DeleteWithSuggestion", func(t *testing.T, s *Store) { storagetesting.RunTestDeleteWithSuggestion(ctx, t, s) })
	run("DeleteWithSuggestionAndConflict", func(t *testing.T, s *Store) {
		storagetesting.RunTestDeleteWithSuggestionAndConflict(ctx, t, s)
	})
	run("DeleteWithSuggestionOfDeletedObject", func(t *testing.T, s *Store) {
		storagetesting.RunTestDeleteWithSuggestionOfDeletedObject(ctx, t, s)
	})
	run("ValidateDeletionWithSuggestion", func(t *testing.T, s *Store) {
		storagetesting.RunTestValidateDeletionWithSuggestion(ctx, t, s)
	})
	run("ValidateDeletionWithOnlySuggestionValid", func(t *testing.T, s *Store) {
		storagetesting.RunTestValidateDeletionWithOnlySuggestionValid(ctx, t, s)
	})
	run("DeleteWithConflict", func(t *testing.T, s *Store) { storagetesting.RunTestDeleteWithConflict(ctx, t, s) })
	run("PreconditionalDeleteWithSuggestion", func(t *testing.T, s *Store) {
		storagetesting.RunTestPreconditionalDeleteWithSuggestion(ctx, t, s)
	})
	run("PreconditionalDeleteWithOnlySuggestionPass", func(t *testing.T, s *Store) {
		storagetesting.RunTestPreconditionalDeleteWithOnlySuggestionPass(ctx, t, s)
	})

	t.Run("DeleteWithConflictAndMissingExpectedTransformOrDecodeError", func(t *testing.T) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
		codec := &failingCodec{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)}
		s := env.newStore(t, withCodec(codec))
		storagetesting.RunTestDeleteWithConflictAndMissingExpectedTransformOrDecodeError(ctx, t, s, codec.setFailing)
	})
	t.Run("DeleteExpectedTransformError", func(t *testing.T) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
		tr := &failingTransformer{Transformer: storagetesting.NewPrefixTransformer([]byte(testTransformerPrefix), false)}
		s := env.newStore(t, withTransformer(tr))
		storagetesting.RunTestDeleteExpectedTransformOrDecodeError(ctx, t, s, tr.setFailing)
	})
	t.Run("DeleteExpectedDecodeError", func(t *testing.T) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
		codec := &failingCodec{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)}
		s := env.newStore(t, withCodec(codec))
		storagetesting.RunTestDeleteExpectedTransformOrDecodeError(ctx, t, s, codec.setFailing)
	})
	t.Run("DeleteWithSuggestionAndMissingExpectedTransformOrDecodeError", func(t *testing.T) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
		storagetesting.RunTestDeleteWithSuggestionAndMissingExpectedTransformOrDecodeError(ctx, t, env.newStore(t))
	})

	run("List", func(t *testing.T, s *Store) {
		storagetesting.RunTestList(ctx, t, s, compactStorage(s), false, nil)
	})
	run("ListPaging", func(t *testing.T, s *Store) { storagetesting.RunTestListPaging(ctx, t, s) })
	run("GetListNonRecursive", func(t *testing.T, s *Store) {
		storagetesting.RunTestGetListNonRecursive(ctx, t, env.increaseRV(s), s)
	})
	run("GetListRecursivePrefix", func(t *testing.T, s *Store) { storagetesting.RunTestGetListRecursivePrefix(ctx, t, s) })
	run("KeySchema", func(t *testing.T, s *Store) { storagetesting.RunTestKeySchema(ctx, t, s) })
	t.Run("GetListWithoutErrorAggregation", func(t *testing.T) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, false)
		s := env.newStore(t)
		storagetesting.RunTestGetListWithoutErrorAggregation(ctx, t, storeWithTransformerOverride{s}, errors.New("bits flipped"))
	})
	run("ConsistentList", func(t *testing.T, s *Store) {
		storagetesting.RunTestConsistentList(ctx, t, s, env.increaseRV(s), false, true, false)
	})
	run("CompactRevision", func(t *testing.T, s *Store) {
		storagetesting.RunTestCompactRevision(ctx, t, s, env.increaseRV(s), compactStorage(s))
	})
	run("ListContinuation", func(t *testing.T, s *Store) {
		env.listCalls.Store(0)
		storagetesting.RunTestListContinuation(ctx, t, s, env.callsValidation(s.getTransformer().(*storagetesting.PrefixTransformer)))
	})
	run("ListPaginationRareObject", func(t *testing.T, s *Store) {
		env.listCalls.Store(0)
		storagetesting.RunTestListPaginationRareObject(ctx, t, s, env.callsValidation(s.getTransformer().(*storagetesting.PrefixTransformer)))
	})
	run("ListContinuationWithFilter", func(t *testing.T, s *Store) {
		env.listCalls.Store(0)
		storagetesting.RunTestListContinuationWithFilter(ctx, t, s, env.callsValidation(s.getTransformer().(*storagetesting.PrefixTransformer)))
	})
	run("NamespaceScopedList", func(t *testing.T, s *Store) { storagetesting.RunTestNamespaceScopedList(ctx, t, s) })
	run("ListInconsistentContinuation", func(t *testing.T, s *Store) {
		storagetesting.RunTestListInconsistentContinuation(ctx, t, s, compactStorage(s))
	})
	run("ListResourceVersionMatch", func(t *testing.T, s *Store) {
		storagetesting.RunTestListResourceVersionMatch(ctx, t, storeWithPrefixTransformer{s})
	})
	for _, estimate := range []bool{false, true} {
		name := "Stats"
		if estimate {
			name += "WithSizeEstimation"
		}
		run(name, func(t *testing.T, s *Store) {
			if estimate {
				if err := s.EnableResourceSizeEstimation(func(context.Context) ([]string, error) { return nil, nil }); err != nil {
					t.Fatal(err)
				}
			}
			storagetesting.RunTestStats(ctx, t, s, s.codec, s.getTransformer(), estimate)
		})
	}

	run("GuaranteedUpdate", func(t *testing.T, s *Store) {
		storagetesting.RunTestGuaranteedUpdate(ctx, t, storeWithPrefixTransformer{s}, env.checkStorageInvariants(s))
	})
	run("GuaranteedUpdateWithTTL", func(t *testing.T, s *Store) { storagetesting.RunTestGuaranteedUpdateWithTTL(ctx, t, s) })
	run("GuaranteedUpdateChecksStoredData", func(t *testing.T, s *Store) {
		storagetesting.RunTestGuaranteedUpdateChecksStoredData(ctx, t, storeWithPrefixTransformer{s})
	})
	run("GuaranteedUpdateWithConflict", func(t *testing.T, s *Store) {
		storagetesting.RunTestGuaranteedUpdateWithConflict(ctx, t, s)
	})
	run("GuaranteedUpdateWithSuggestionAndConflict", func(t *testing.T, s *Store) {
		storagetesting.RunTestGuaranteedUpdateWithSuggestionAndConflict(ctx, t, s)
	})
	run("TransformationFailure", func(t *testing.T, s *Store) {
		storagetesting.RunTestTransformationFailure(ctx, t, storeWithPrefixTransformer{s})
	})
}

func TestWatchConformance(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()

	run := func(name string, f func(t *testing.T, s *Store)) {
		t.Run(name, func(t *testing.T) { f(t, env.newStore(t)) })
	}

	run("Watch", func(t *testing.T, s *Store) { storagetesting.RunTestWatch(ctx, t, s) })
	run("ClusterScopedWatch", func(t *testing.T, s *Store) { storagetesting.RunTestClusterScopedWatch(ctx, t, s) })
	run("NamespaceScopedWatch", func(t *testing.T, s *Store) { storagetesting.RunTestNamespaceScopedWatch(ctx, t, s) })
	run("DeleteTriggerWatch", func(t *testing.T, s *Store) { storagetesting.RunTestDeleteTriggerWatch(ctx, t, s) })
	run("WatchFromZero", func(t *testing.T, s *Store) {
		storagetesting.RunTestWatchFromZero(ctx, t, s, compactStorage(s))
	})
	run("WatchFromNonZero", func(t *testing.T, s *Store) { storagetesting.RunTestWatchFromNonZero(ctx, t, s) })
	run("DelayedWatchDelivery", func(t *testing.T, s *Store) { storagetesting.RunTestDelayedWatchDelivery(ctx, t, s) })
	run("WatchError", func(t *testing.T, s *Store) {
		storagetesting.RunTestWatchError(ctx, t, storeWithPrefixTransformer{s})
	})
	run("WatchContextCancel", func(t *testing.T, s *Store) { storagetesting.RunTestWatchContextCancel(ctx, t, s) })
	run("WatcherTimeout", func(t *testing.T, s *Store) { storagetesting.RunTestWatcherTimeout(ctx, t, s) })
	run("WatchDeleteEventObjectHaveLatestRV", func(t *testing.T, s *Store) {
		storagetesting.RunTestWatchDeleteEventObjectHaveLatestRV(ctx, t, s)
	})
	run("WatchInitializationSignal", func(t *testing.T, s *Store) {
		storagetesting.RunTestWatchInitializationSignal(ctx, t, s)
	})
	run("ProgressNotify", func(t *testing.T, s *Store) {
		storagetesting.RunOptionalTestProgressNotify(ctx, t, s, env.increaseRV(s))
	})
	run("WatchDispatchBookmarkEvents", func(t *testing.T, s *Store) {
		storagetesting.RunTestWatchDispatchBookmarkEvents(ctx, t, s, false)
	})
	run("SendInitialEventsBackwardCompatibility", func(t *testing.T, s *Store) {
		storagetesting.RunSendInitialEventsBackwardCompatibility(ctx, t, s)
	})
	run("WatchSemantics", func(t *testing.T, s *Store) { storagetesting.RunWatchSemantics(ctx, t, s) })
	run("WatchSemanticInitialEventsExtended", func(t *testing.T, s *Store) {
		storagetesting.RunWatchSemanticInitialEventsExtended(ctx, t, s)
	})
	run("WatchListMatchSingle", func(t *testing.T, s *Store) { storagetesting.RunWatchListMatchSingle(ctx, t, s) })
	run("WatchErrorIsBlockingFurtherEvents", func(t *testing.T, s *Store) {
		storagetesting.RunWatchErrorIsBlockingFurtherEvents(ctx, t, storeWithPrefixTransformer{s})
	})
}
