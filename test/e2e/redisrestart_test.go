package e2e

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// TestRedisRestartUnderLoad is the fault the required Redis settings exist for (docs/redis.md,
// "What Redis must be"): a standalone Redis with its append-only file, killed with kill -9
// under TestRedisFailover's steady load of pool writes, Nodes and notifications, and started
// again on the same data as a Pod restart does. Besides what every fault scenario checks
// (writes and notifications resume, the watch opened before is not stuck, the informer
// catches up, nothing stale is served, every acknowledged write is readable and notified),
// the restart must not be taken for a store that went back: no store counts a reset
// (netweave_redis_storage_resets_total stays 0), the notifier does not re-baseline (its relists
// after the watches ended compare the objects with what it recorded: TestRegressionRollback-
// PastTheCursorIsNoticed), no subscription is reported lost and no pool is notified as deleted.
func TestRedisRestartUnderLoad(t *testing.T) {
	// Runs alone, before the parallel tests: see main_test.go.
	ls := startLoadedStack(t, 10, 5)
	s, o2, pools, resources, metrics, l := ls.s, ls.o2, ls.pools, ls.resources, ls.metrics, ls.l
	readyz := s.readyzClient(t)

	sc := ls.scenario(t)
	var down time.Duration
	f := sc.run("kill -9 of Redis, started again on its append-only file", func() time.Time {
		s.redis.Stop() // SIGKILL; returns once the process is gone
		at := time.Now()
		// Down until netweave has noticed, as a kubelet would through /readyz: a restart that
		// beats the first failed command would test nothing.
		eventually(t, recoverWait, "readyz false while Redis is down", func() error {
			if code := readyz(); code == http.StatusOK {
				return errors.New("readyz still 200")
			}
			return nil
		})
		s.redis.Restart()
		down = time.Since(at)
		return at
	}, nil)
	l.stop()
	verifyAfterFaults(t, l, sc.faults, o2, ls.rdb, pools, resources)

	if !metrics.has(t, "netweave_redis_storage_resets_total") {
		t.Fatal("netweave_redis_storage_resets_total is not exported")
	}
	if n := metrics.value(t, "netweave_redis_storage_resets_total"); n != 0 {
		t.Errorf("netweave_redis_storage_resets_total %v after a restart on the append-only file, want 0: the restart was taken for a store that went back", n)
	}
	if !metrics.has(t, "netweave_notifier_rebaselines_total") {
		t.Fatal("netweave_notifier_rebaselines_total is not exported")
	}
	if n := metrics.value(t, "netweave_notifier_rebaselines_total"); n != 0 {
		t.Errorf("netweave_notifier_rebaselines_total %v, want 0: the notifier took the restart for a rollback", n)
	}
	if n := metrics.value(t, "netweave_notifier_subscriptions_lost_total"); n != 0 {
		t.Errorf("netweave_notifier_subscriptions_lost_total %v, want 0", n)
	}
	for _, r := range []*receiver{pools, resources} {
		for _, n := range r.all() {
			if eventType(n) == 2 {
				t.Errorf("a DELETE notification, and nothing was deleted: %s", n.raw)
			}
		}
	}
	// Nothing was lost, so the watch goes on where it was (TestWatchOutlivesRedisRestart):
	// before, it ended with 503 and every client and cache of netweave listed everything again.
	if f.watchEnded != "" {
		t.Errorf("the watch opened before the kill ended (%s), want it to go on across a restart on the append-only file", f.watchEnded)
	}
	deliveries, redelivered, twice := duplicates(pools, nil)
	t.Logf("restart: Redis down %s; the watch opened before the kill %s; pool notifications: %d deliveries, %d redelivered notificationIds, %d changes under two ids",
		down.Round(time.Millisecond), orOpen(f.watchEnded), deliveries, redelivered, twice)
}

// orOpen describes how a watch ended: "went on" when it did not.
func orOpen(ended string) string {
	if ended == "" {
		return "went on"
	}
	return "ended (" + ended + ")"
}
