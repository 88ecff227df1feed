package integration

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/apiserver/options"
	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
	"github.com/netweave-io/netweave/test/redisserver"
)

// check runs the readiness check once, as a probe would, and returns its error text ("" when ready).
func check(c *apiserver.RedisDurabilityCheck) string {
	if err := c.Check(httptest.NewRequest("GET", "/readyz/redis-durability", nil)); err != nil {
		return err.Error()
	}
	return ""
}

func configSet(t *testing.T, client *goredis.Client, name, value string) {
	t.Helper()
	if err := client.ConfigSet(context.Background(), name, value).Err(); err != nil {
		t.Fatalf("CONFIG SET %s %s: %v", name, value, err)
	}
}

func TestRedisDurabilityReadiness(t *testing.T) {
	registry := metrics.NewKubeRegistry()
	m, err := redisstore.NewMetrics(registry.Register)
	if err != nil {
		t.Fatal(err)
	}
	srv := redisserver.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	warnOnly := apiserver.NewRedisDurabilityCheck(client, apiserver.RedisDurability{Policy: redisstore.DurabilityPolicy{}}, m)
	requireAOF := apiserver.NewRedisDurabilityCheck(client, apiserver.RedisDurability{Policy: redisstore.DurabilityPolicy{RequireAOF: true}}, m)

	if got := check(requireAOF); got != "" {
		t.Fatalf("noeviction with AOF everysec (the test server's configuration): not ready: %s", got)
	}
	gauge := func(want string) {
		t.Helper()
		var expected strings.Builder
		expected.WriteString("# HELP netweave_redis_persistence [ALPHA] 1 for the persistence mode the Redis primary was last seen in (aof, aof-no-fsync, rdb, none, asserted), 0 for the others.\n# TYPE netweave_redis_persistence gauge\n")
		for _, m := range []string{"aof", "aof-no-fsync", "asserted", "none", "rdb"} {
			v := "0"
			if m == want {
				v = "1"
			}
			expected.WriteString("netweave_redis_persistence{mode=\"" + m + "\"} " + v + "\n")
		}
		if err := testutil.GatherAndCompare(registry, strings.NewReader(expected.String()), "netweave_redis_persistence"); err != nil {
			t.Error(err)
		}
	}
	gauge("aof")

	// The configuration is read on every probe: a CONFIG SET is noticed without a restart.
	configSet(t, client, "maxmemory", "64mb")
	configSet(t, client, "maxmemory-policy", "allkeys-lru")
	if got := check(warnOnly); !strings.Contains(got, "maxmemory-policy is allkeys-lru") {
		t.Errorf("allkeys-lru: readiness %q, want it to name the policy", got)
	}
	configSet(t, client, "maxmemory-policy", "noeviction")

	configSet(t, client, "appendonly", "no")
	if got := check(warnOnly); got != "" {
		t.Errorf("no persistence without --redis-require-aof: not ready (%s), want a warning only", got)
	}
	gauge("none")
	if got := check(requireAOF); !strings.Contains(got, "--redis-require-aof") {
		t.Errorf("no persistence with --redis-require-aof: readiness %q", got)
	}
}

func TestRedisDurabilityConfigRefused(t *testing.T) {
	srv := redisserver.Start(t)
	admin := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = admin.Close() })
	// A user like a managed Redis's: everything but CONFIG.
	if err := admin.Do(context.Background(), "ACL", "SETUSER", "netweave", "on", ">pw", "~*", "&*", "+@all", "-config").Err(); err != nil {
		t.Fatal(err)
	}
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), Username: "netweave", Password: "pw"})
	t.Cleanup(func() { _ = client.Close() })

	got := check(apiserver.NewRedisDurabilityCheck(client, apiserver.RedisDurability{Policy: redisstore.DurabilityPolicy{}}, nil))
	if !strings.Contains(got, "refuses CONFIG GET") || !strings.Contains(got, "--redis-durability-asserted") {
		t.Errorf("CONFIG refused: readiness %q, want the reason and the way out", got)
	}
	if got := check(apiserver.NewRedisDurabilityCheck(client, apiserver.RedisDurability{Policy: redisstore.DurabilityPolicy{Asserted: true}}, nil)); got != "" {
		t.Errorf("CONFIG refused with --redis-durability-asserted: not ready: %s", got)
	}
}

func TestMinReplicasAck(t *testing.T) {
	srv := redisserver.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	store := newPoolStore(t, client, func(c *redisstore.Config) {
		c.MinReplicasAck, c.MinReplicasAckTimeout = 1, 100*time.Millisecond
	})
	ctx := context.Background()

	err := store.Create(ctx, "/resourcepools/ns/alone", pool("alone"), &o2ims.ResourcePool{}, 0)
	if err == nil || !strings.Contains(err.Error(), "reached 0 of 1 replicas") {
		t.Fatalf("create without a replica: %v, want it refused for want of a replica", err)
	}
	// The failure is about replication, not the write: the primary has it.
	if err := store.Get(ctx, "/resourcepools/ns/alone", storage.GetOptions{}, &o2ims.ResourcePool{}); err != nil {
		t.Errorf("the unconfirmed write is not on the primary: %v", err)
	}

	attachReplica(t, srv, client)
	if err := store.Create(ctx, "/resourcepools/ns/replicated", pool("replicated"), &o2ims.ResourcePool{}, 0); err != nil {
		t.Errorf("create with a replica: %v", err)
	}
	if err := store.Delete(ctx, "/resourcepools/ns/replicated", &o2ims.ResourcePool{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
		t.Errorf("delete with a replica: %v", err)
	}
}

// attachReplica starts a replica of srv (client is srv's) and waits until it is in sync and
// confirms a write (WAIT) within 100ms.
func attachReplica(t *testing.T, srv *redisserver.Server, client *goredis.Client) {
	t.Helper()
	ctx := context.Background()
	// Replicas sync at once, not after the default 5s of waiting for more replicas.
	configSet(t, client, "repl-diskless-sync-delay", "0")
	host, port, _ := strings.Cut(srv.Addr(), ":")
	redisserver.StartWith(t, redisserver.Options{Args: []string{"--replicaof", host, port}})
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := srv.WaitReplicas(wctx, 1); err != nil {
		t.Fatal(err)
	}
	// Right after its first sync the replica rewrites its append-only file (a fork), and on a
	// busy machine may take longer than 100ms to answer WAIT: wait until it keeps up.
	waitFor(t, ctx, "the replica confirms a write within 100ms", func() error {
		var acked *goredis.Cmd
		if _, err := client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			p.Set(ctx, "probe", "x", 0)
			acked = p.Do(ctx, "wait", 1, 100)
			return nil
		}); err != nil {
			return err
		}
		if n, err := acked.Int64(); err != nil || n < 1 {
			return fmt.Errorf("WAIT: %d replicas, %v", n, err)
		}
		return nil
	})
}

// TestRollbackNoticedThroughUnconfirmedWrites is the failover the e2e test TestRedisFailover
// once hit: writes the primary applied but no replica confirmed (they fail with "reached 0 of
// 1 replicas", outcome unknown) are seen by the store's watch; then the primary dies and the
// replica that lacks them takes over. Every write after that fails its WAIT too (no replica
// yet), so none of them is acknowledged, but each one takes a revision the discarded writes
// had, and the store must notice that from them: the revision went back. It used to look only
// at acknowledged writes, and once the new primary's revision had passed the old one nothing
// showed the rollback; netweave's cache went on serving the discarded objects.
func TestRollbackNoticedThroughUnconfirmedWrites(t *testing.T) {
	primary := redisserver.Start(t)
	host, port, _ := strings.Cut(primary.Addr(), ":")
	replica := redisserver.StartWith(t, redisserver.Options{Args: []string{"--replicaof", host, port, "--repl-diskless-sync-delay", "0"}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := primary.WaitReplicas(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// The client follows "the primary" as Sentinel would make it: whatever current names.
	var current atomic.Value
	current.Store(primary.Addr())
	client := goredis.NewClient(&goredis.Options{
		Dialer: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, current.Load().(string))
		},
		MaxRetries: -1,
	})
	t.Cleanup(func() { _ = client.Close() })
	store := newPoolStore(t, client, func(c *redisstore.Config) {
		c.MinReplicasAck, c.MinReplicasAckTimeout = 1, 200*time.Millisecond
		// The watch reader checks the revision only when its read returns: with a long
		// block, only the writes can show the rollback, as in the e2e failure.
		c.WatchPollInterval = time.Minute
	})
	var resets atomic.Int32
	store.OnReset(func() { resets.Add(1) })

	// A fresh name per attempt: an attempt whose WAIT timed out on a loaded machine was still
	// applied (and reaches the replica later), so retrying its name would only find it exists.
	attempt := 0
	waitFor(t, ctx, "a confirmed write", func() error {
		attempt++
		name := fmt.Sprintf("confirmed-%d", attempt)
		return store.Create(ctx, "/resourcepools/ns/"+name, pool(name), &o2ims.ResourcePool{}, 0)
	})
	w, err := store.Watch(ctx, "/resourcepools/ns/", storage.ListOptions{ResourceVersion: "0", Recursive: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	// The replica is cut off (a partition; a paused replica would not do, as it would apply
	// what waits in its socket once it runs again): what follows only the primary has.
	replicaClient := goredis.NewClient(&goredis.Options{Addr: replica.Addr()})
	t.Cleanup(func() { _ = replicaClient.Close() })
	if err := replicaClient.ReplicaOf(ctx, "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"lost-1", "lost-2"} {
		err := store.Create(ctx, "/resourcepools/ns/"+name, pool(name), &o2ims.ResourcePool{}, 0)
		if err == nil || !strings.Contains(err.Error(), "reached 0 of 1 replicas") {
			t.Fatalf("create %s with the replica paused: %v, want it unconfirmed", name, err)
		}
	}
	// The watch sees both: the process now knows revisions that only the primary has.
	seen := map[string]bool{}
	for len(seen) < 2 {
		select {
		case ev := <-w.ResultChan():
			if p, ok := ev.Object.(*o2ims.ResourcePool); ok && strings.HasPrefix(p.Name, "lost-") {
				seen[p.Name] = true
			}
		case <-ctx.Done():
			t.Fatalf("the watch did not deliver the unconfirmed writes: %v", seen)
		}
	}

	primary.Stop() // kill -9: the unconfirmed writes die with it; the replica takes over
	current.Store(replica.Addr())
	// Three writes on the promoted replica, each unconfirmed (it has no replica), take the
	// revisions of lost-1 and lost-2 and one more.
	for _, name := range []string{"after-1", "after-2", "after-3"} {
		waitFor(t, ctx, "an unconfirmed write on the new primary", func() error {
			err := store.Create(ctx, "/resourcepools/ns/"+name, pool(name), &o2ims.ResourcePool{}, 0)
			if err == nil || !strings.Contains(err.Error(), "reached 0 of 1 replicas") {
				return fmt.Errorf("create %s: %v, want it applied and unconfirmed", name, err)
			}
			return nil
		})
	}
	if resets.Load() == 0 {
		t.Error("the store did not notice that it went back: revisions it had seen were given to other writes")
	}
}

// TestRedisVersionRead: the durability check reads Redis's version with its configuration
// (INFO server, same pipeline) and a real Redis of the test tier is one netweave runs on; a
// user that may not run INFO leaves the version unknown, which refuses nothing.
func TestRedisVersionRead(t *testing.T) {
	srv := redisserver.Start(t)
	admin := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = admin.Close() })
	ctx := context.Background()
	d, err := redisstore.ReadDurability(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	info, err := admin.Info(ctx, "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	if d.Version == "" || !strings.Contains(info, "redis_version:"+d.Version+"\r\n") {
		t.Fatalf("version %q, INFO server says:\n%s", d.Version, info)
	}
	if got := check(apiserver.NewRedisDurabilityCheck(admin, apiserver.RedisDurability{Policy: redisstore.DurabilityPolicy{RequireAOF: true}}, nil)); got != "" {
		t.Fatalf("Redis %s: not ready: %s", d.Version, got)
	}

	if err := admin.Do(ctx, "ACL", "SETUSER", "noinfo", "on", ">pw", "~*", "&*", "+@all", "-info").Err(); err != nil {
		t.Fatal(err)
	}
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), Username: "noinfo", Password: "pw"})
	t.Cleanup(func() { _ = client.Close() })
	d, err = redisstore.ReadDurability(ctx, client)
	if err != nil || d.Version != "" || d.MaxmemoryPolicy != redisstore.NoEviction {
		t.Fatalf("INFO refused: %+v, %v; want the configuration without a version", d, err)
	}
	if got := check(apiserver.NewRedisDurabilityCheck(client, apiserver.RedisDurability{Policy: redisstore.DurabilityPolicy{}}, nil)); got != "" {
		t.Errorf("INFO refused: not ready: %s", got)
	}
}

// TestReplicasJudgedBeforeAFailoverPromotesThem: the durability check judged the primary only,
// so a replica that evicts keys (or does not persist) went unnoticed until a failover promoted
// it, and netweave turned not ready at that moment, an outage nobody had been warned of. The
// periodic check now judges every replica the primary streams to, connecting as netweave does
// (the options' NodeClient), and counts them in netweave_redis_replicas.
func TestReplicasJudgedBeforeAFailoverPromotesThem(t *testing.T) {
	registry := metrics.NewKubeRegistry()
	m, err := redisstore.NewMetrics(registry.Register)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	primary := redisserver.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: primary.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	// Three replicas: one configured as the primary, one that evicts, one without persistence.
	tune := [][2]string{{}, {"maxmemory-policy", "allkeys-lru"}, {"appendonly", "no"}}
	for _, kv := range tune {
		replica := redisserver.Start(t)
		rc := goredis.NewClient(&goredis.Options{Addr: replica.Addr()})
		t.Cleanup(func() { _ = rc.Close() })
		if kv[0] != "" {
			configSet(t, rc, kv[0], kv[1])
		}
		if err := rc.ReplicaOf(ctx, "127.0.0.1", strconv.Itoa(primary.Port())).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := primary.WaitReplicas(ctx, len(tune)); err != nil {
		t.Fatal(err)
	}
	opts := options.NewRedisOptions()
	opts.Address = primary.Addr()
	c := apiserver.NewRedisDurabilityCheck(client, apiserver.RedisDurability{ReplicaClient: opts.NodeClient}, m)
	if got := check(c); got != "" {
		t.Fatalf("the primary (noeviction, AOF): not ready: %s", got)
	}
	gauge := func(fit, weak, unfit, unknown int) {
		t.Helper()
		expected := fmt.Sprintf(`# HELP netweave_redis_replicas [ALPHA] Replicas of the Redis primary by what a failover to each would make of netweave: fit, weak (it would warn: no AOF, or AOF without fsync), unfit (not ready: a maxmemory-policy that evicts, a Redis older than 7.0), unknown (its configuration could not be read).
# TYPE netweave_redis_replicas gauge
netweave_redis_replicas{verdict="fit"} %d
netweave_redis_replicas{verdict="unfit"} %d
netweave_redis_replicas{verdict="unknown"} %d
netweave_redis_replicas{verdict="weak"} %d
`, fit, unfit, unknown, weak)
		if err := testutil.GatherAndCompare(registry, strings.NewReader(expected), "netweave_redis_replicas"); err != nil {
			t.Error(err)
		}
	}
	c.CheckReplicas(ctx)
	gauge(1, 1, 1, 0)

	// A replica that cannot be reached is unknown, not unfit, and the primary stays ready.
	unreachable := apiserver.NewRedisDurabilityCheck(client, apiserver.RedisDurability{ReplicaClient: func(string) (goredis.UniversalClient, error) {
		return goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"}), nil
	}}, m)
	unreachable.CheckReplicas(ctx)
	gauge(0, 0, 0, 3)
	if got := check(unreachable); got != "" {
		t.Errorf("replicas unreachable: not ready: %s", got)
	}
}
