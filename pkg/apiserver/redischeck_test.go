package apiserver

import (
	"net/http/httptest"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionRedisReadinessNamesSentinelFlags is the regression test for the redis
// readiness check when every Sentinel refuses netweave's credentials for them: /readyz said
// "ping redis: redis: all sentinels specified in configuration are unreachable: WRONGPASS …"
// and named no flag, while a write refused the same way sent the operator to the data nodes'
// --redis-username and --redis-password-file. It names the Sentinels' flags.
func TestRegressionRedisReadinessNamesSentinelFlags(t *testing.T) {
	redis := redisserver.StartReplicated(t, redisserver.ReplicatedOptions{Master: "netweave", Sentinels: 1})
	redis.Sentinels[0].RequireAdminPassword(t)
	client := goredis.NewFailoverClient(&goredis.FailoverOptions{MasterName: "netweave", SentinelAddrs: redis.SentinelAddrs(),
		SentinelPassword: "not-the-sentinels-password"})
	t.Cleanup(func() { _ = client.Close() })
	err := redisCheck{client: RedisStorage{Client: client}}.Check(httptest.NewRequest("GET", "/readyz/redis", nil))
	if err == nil || !strings.Contains(err.Error(), "--redis-sentinel-password-file") {
		t.Fatalf("readiness with every Sentinel refusing netweave: %v, want it to name --redis-sentinel-password-file", err)
	}
}
