package apiserver

import (
	"context"
	"net/http"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/util/wait"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/healthz"
	"k8s.io/klog/v2"

	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
)

// RedisDurability is what netweave demands of its Redis and how often it looks again.
type RedisDurability struct {
	Policy redisstore.DurabilityPolicy
	// Interval between checks besides the readiness probes, so that the warning and the
	// gauge follow a CONFIG SET even when nothing probes.
	Interval time.Duration
}

// RedisDurabilityCheck makes /readyz fail while Redis may evict netweave's keys (or, with
// --redis-require-aof, does not keep an AOF), and warns loudly about weak persistence. Redis
// can be reconfigured at run time, so it looks on every probe and periodically, not once.
type RedisDurabilityCheck struct {
	client  goredis.UniversalClient
	policy  redisstore.DurabilityPolicy
	metrics *redisstore.Metrics

	mu sync.Mutex
	// reported is the last verdict logged, so a steady state is logged once, not per probe.
	reported string
}

var _ healthz.HealthChecker = (*RedisDurabilityCheck)(nil)

// NewRedisDurabilityCheck returns the redis-durability readiness check of client's Redis; it
// reports the persistence mode in metrics (nil: nowhere).
func NewRedisDurabilityCheck(client goredis.UniversalClient, policy redisstore.DurabilityPolicy, metrics *redisstore.Metrics) *RedisDurabilityCheck {
	return &RedisDurabilityCheck{client: client, policy: policy, metrics: metrics}
}

func (*RedisDurabilityCheck) Name() string { return "redis-durability" }

func (c *RedisDurabilityCheck) Check(req *http.Request) error {
	ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
	defer cancel()
	return c.run(ctx).Unfit
}

// run reads the configuration, judges it, and reports the verdict in the gauge and, when it
// changed, in the log.
func (c *RedisDurabilityCheck) run(ctx context.Context) redisstore.DurabilityVerdict {
	v := c.policy.Judge(redisstore.ReadDurability(ctx, c.client))
	if v.Persistence != "" {
		c.metrics.RecordPersistence(v.Persistence)
	}
	c.report(v)
	return v
}

func (c *RedisDurabilityCheck) report(v redisstore.DurabilityVerdict) {
	summary := v.Persistence + "|" + v.Warning
	if v.Unfit != nil {
		summary += "|" + v.Unfit.Error()
	}
	c.mu.Lock()
	changed := summary != c.reported
	c.reported = summary
	c.mu.Unlock()
	if !changed {
		return
	}
	logger := klog.Background().WithValues("check", c.Name(), "persistence", v.Persistence)
	switch {
	case v.Unfit != nil:
		logger.Error(v.Unfit, "Redis is not fit to hold netweave's data; netweave is not ready until it is")
	case v.Warning != "":
		logger.Error(nil, "WARNING: Redis does not persist netweave's data safely; acknowledged writes can be lost", "reason", v.Warning)
	case v.Persistence == redisstore.PersistenceAsserted:
		logger.Info("Redis refuses CONFIG GET; trusting --redis-durability-asserted that it is noeviction with AOF")
	default:
		logger.Info("Redis keeps netweave's data: noeviction and AOF")
	}
}

// install adds the readiness check and the periodic look.
func (c *RedisDurabilityCheck) install(s *genericapiserver.GenericAPIServer, interval time.Duration) error {
	if err := s.AddReadyzChecks(c); err != nil {
		return err
	}
	return s.AddPostStartHook("redis-durability", func(hctx genericapiserver.PostStartHookContext) error {
		go wait.UntilWithContext(hctx, func(ctx context.Context) {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			c.run(ctx)
		}, interval)
		return nil
	})
}
