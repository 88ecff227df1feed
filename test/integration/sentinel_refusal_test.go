package integration

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/apiserver/options"
	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionRefusedCredentialsNotBlamedOnConfig is the regression test for the
// redis-durability readiness check taking a connection Redis, or every Sentinel, refused
// (WRONGPASS: a wrong --redis-password-file, or Sentinels with a password of their own and no
// --redis-sentinel-password-file) for a Redis that refuses CONFIG GET. go-redis carries the
// refusal as a Redis error, so the check said "Redis refuses CONFIG GET … set
// --redis-durability-asserted", sending the operator to the wrong flag; and with
// --redis-durability-asserted set (managed Redis) it passed and reported persistence "asserted"
// for a Redis netweave never reached. The store's refusal of a write named the data nodes'
// flags (--redis-username, --redis-password-file) when it was the Sentinels that refused.
func TestRegressionRefusedCredentialsNotBlamedOnConfig(t *testing.T) {
	redis := redisserver.StartReplicated(t, redisserver.ReplicatedOptions{Master: sentinelMaster, Sentinels: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const dataPassword = "data-password-not-secret"
	redis.Sentinels[0].RequireAdminPassword(t)
	primary := goredis.NewClient(&goredis.Options{Addr: redis.Nodes[0].Addr()})
	if err := primary.ConfigSet(ctx, "requirepass", dataPassword).Err(); err != nil {
		t.Fatalf("giving the data node a password: %v", err)
	}
	_ = primary.Close()
	dir := t.TempDir()
	file := func(name, content string) string { return secretFile(t, dir, name, content) }

	for _, tc := range []struct {
		name string
		tune func(*options.RedisOptions)
		// flag is the one the operator must be sent to.
		flag string
		// write is whether a write's refusal must name it too (a refusal of credentials).
		write bool
	}{
		{"every Sentinel refuses the data nodes' password", func(o *options.RedisOptions) {
			o.SentinelMaster = sentinelMaster
			o.SentinelAddresses = redis.SentinelAddrs()
			o.PasswordFile = file("data", dataPassword)
		}, "--redis-sentinel-password-file", true},
		{"Redis refuses the password", func(o *options.RedisOptions) {
			o.Address = redis.Nodes[0].Addr()
			o.PasswordFile = file("wrong", "not-the-password")
		}, "--redis-password-file", true},
		{"no Sentinel knows the primary", func(o *options.RedisOptions) {
			o.SentinelMaster = "not-" + sentinelMaster
			o.SentinelAddresses = redis.SentinelAddrs()
			o.PasswordFile = file("data", dataPassword)
			o.SentinelPasswordFile = file("sentinel", redisserver.SentinelAdminPassword)
		}, "--redis-sentinel-master", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := options.NewRedisOptions()
			tc.tune(opts)
			client := optionsClient(t, opts)
			for _, asserted := range []bool{false, true} {
				durability := apiserver.NewRedisDurabilityCheck(client, apiserver.RedisDurability{Policy: redisstore.DurabilityPolicy{Asserted: asserted}}, nil)
				err := durability.Check(httptest.NewRequest("GET", "/readyz", nil))
				switch {
				case err == nil:
					t.Errorf("asserted=%v: the durability check passed although netweave's credentials were refused", asserted)
				case strings.Contains(err.Error(), "refuses CONFIG GET") || strings.Contains(err.Error(), "--redis-durability-asserted"):
					t.Errorf("asserted=%v: a refused connection is blamed on CONFIG GET: %v", asserted, err)
				case !strings.Contains(err.Error(), tc.flag):
					t.Errorf("asserted=%v: the durability check does not name %s: %v", asserted, tc.flag, err)
				}
			}
			if !tc.write {
				return
			}
			store := newPoolStore(t, client)
			err := store.Create(ctx, "/resourcepools/ns/refused", pool("refused"), &o2ims.ResourcePool{}, 0)
			if err == nil || !strings.Contains(err.Error(), tc.flag) {
				t.Errorf("a write netweave's credentials were refused for does not name %s: %v", tc.flag, err)
			}
		})
	}
}
