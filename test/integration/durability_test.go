package integration

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/apiserver"
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
	redisstore.Register()
	srv := redisserver.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	warnOnly := apiserver.NewRedisDurabilityCheck(client, redisstore.DurabilityPolicy{})
	requireAOF := apiserver.NewRedisDurabilityCheck(client, redisstore.DurabilityPolicy{RequireAOF: true})

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
		if err := testutil.GatherAndCompare(legacyregistry.DefaultGatherer, strings.NewReader(expected.String()), "netweave_redis_persistence"); err != nil {
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

	got := check(apiserver.NewRedisDurabilityCheck(client, redisstore.DurabilityPolicy{}))
	if !strings.Contains(got, "refuses CONFIG GET") || !strings.Contains(got, "--redis-durability-asserted") {
		t.Errorf("CONFIG refused: readiness %q, want the reason and the way out", got)
	}
	if got := check(apiserver.NewRedisDurabilityCheck(client, redisstore.DurabilityPolicy{Asserted: true})); got != "" {
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
	if err := store.Create(ctx, "/resourcepools/ns/replicated", pool("replicated"), &o2ims.ResourcePool{}, 0); err != nil {
		t.Errorf("create with a replica: %v", err)
	}
	if err := store.Delete(ctx, "/resourcepools/ns/replicated", &o2ims.ResourcePool{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
		t.Errorf("delete with a replica: %v", err)
	}
}
