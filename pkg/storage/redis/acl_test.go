package redis

import (
	"context"
	"testing"

	storagetesting "k8s.io/apiserver/pkg/storage/testing"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestDocumentedACLSuffices runs the store, through the conformance tests of what it does, and
// the durability check as the least-privilege user docs/redis.md gives operators: a command the
// store sends that the document leaves out, or a key it writes outside its prefix, fails it.
func TestDocumentedACLSuffices(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	limited := env.server.DocumentedACLClient(t)
	run := func(name string, f func(t *testing.T, s *Store)) {
		t.Run(name, func(t *testing.T) {
			// The user's keys are one prefix's: each test starts from an empty Redis (the
			// admin client flushes it; the user may not).
			if err := env.client.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			f(t, env.newStore(t, withClient(limited), withInstallPrefix(redisserver.DocumentedACLPrefix)))
		})
	}
	run("Create", func(t *testing.T, s *Store) { storagetesting.RunTestCreate(ctx, t, s, env.checkStorageInvariants(s)) })
	run("Get", func(t *testing.T, s *Store) { storagetesting.RunTestGet(ctx, t, s) })
	run("ConditionalDelete", func(t *testing.T, s *Store) { storagetesting.RunTestConditionalDelete(ctx, t, s) })
	run("List", func(t *testing.T, s *Store) { storagetesting.RunTestList(ctx, t, s, compactStorage(s), false, nil) })
	run("ListPaging", func(t *testing.T, s *Store) { storagetesting.RunTestListPaging(ctx, t, s) })
	run("GuaranteedUpdate", func(t *testing.T, s *Store) {
		storagetesting.RunTestGuaranteedUpdate(ctx, t, storeWithPrefixTransformer{s}, env.checkStorageInvariants(s))
	})
	run("GuaranteedUpdateWithTTL", func(t *testing.T, s *Store) { storagetesting.RunTestGuaranteedUpdateWithTTL(ctx, t, s) })
	run("Watch", func(t *testing.T, s *Store) { storagetesting.RunTestWatch(ctx, t, s) })
	run("WatchFromZero", func(t *testing.T, s *Store) { storagetesting.RunTestWatchFromZero(ctx, t, s, compactStorage(s)) })
	t.Run("Durability", func(t *testing.T) {
		if _, err := ReadDurability(ctx, limited); err != nil {
			t.Errorf("the durability check as the documented user: %v", err)
		}
	})
}
