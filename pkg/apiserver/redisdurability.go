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
	// ReplicaClient, when set, connects to one of the primary's replicas (host:port) as
	// netweave connects to its Redis, so that each periodic check also judges the replicas a
	// failover may promote (nil: the replicas are not checked).
	ReplicaClient func(addr string) (goredis.UniversalClient, error)
}

// RedisDurabilityCheck makes /readyz fail while Redis may evict netweave's keys (or, with
// --redis-require-aof, does not keep an AOF), and warns loudly about weak persistence. Redis
// can be reconfigured at run time, so it looks on every probe and periodically, not once.
type RedisDurabilityCheck struct {
	client  goredis.UniversalClient
	policy  redisstore.DurabilityPolicy
	metrics *redisstore.Metrics
	// replica connects to a replica; nil leaves the replicas unchecked.
	replica func(addr string) (goredis.UniversalClient, error)

	mu sync.Mutex
	// reported is the last verdict logged, so a steady state is logged once, not per probe.
	reported string
	// replicasReported is each replica's last verdict logged, by address.
	replicasReported map[string]string
}

var _ healthz.HealthChecker = (*RedisDurabilityCheck)(nil)

// NewRedisDurabilityCheck returns the redis-durability readiness check of client's Redis; it
// reports the persistence mode in metrics (nil: nowhere).
func NewRedisDurabilityCheck(client goredis.UniversalClient, dur RedisDurability, metrics *redisstore.Metrics) *RedisDurabilityCheck {
	return &RedisDurabilityCheck{client: client, policy: dur.Policy, metrics: metrics, replica: dur.ReplicaClient}
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
			primary, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			c.run(primary)
			c.CheckReplicas(ctx)
		}, interval)
		return nil
	})
}

// CheckReplicas judges every replica of the primary as the primary is judged, because a
// failover promotes one of them: a replica that evicts keys, or runs a Redis older than
// netweave needs, would turn netweave not ready the moment it became the primary, an outage
// that a look at the replicas beforehand tells the operator of. Not a readiness condition
// (the primary serves), but logged at error level and counted in netweave_redis_replicas.
// Only the periodic check looks: a probe must stay one round trip.
func (c *RedisDurabilityCheck) CheckReplicas(ctx context.Context) {
	if c.replica == nil {
		return
	}
	listCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	addrs, err := redisstore.ReplicaAddrs(listCtx, c.client)
	cancel()
	if err != nil {
		klog.FromContext(ctx).V(2).Info("Cannot list the Redis replicas to check them", "err", err)
		return
	}
	c.mu.Lock()
	reported := c.replicasReported
	c.mu.Unlock()
	counts := map[string]int{}
	seen := make(map[string]string, len(addrs))
	for _, addr := range addrs {
		verdict, why := c.judgeReplica(ctx, addr)
		counts[verdict]++
		seen[addr] = verdict + "|" + why
		if reported[addr] == seen[addr] {
			continue
		}
		logger := klog.FromContext(ctx).WithValues("check", c.Name(), "replica", addr, "verdict", verdict)
		switch verdict {
		case redisstore.ReplicaUnfit:
			logger.Error(nil, "A Redis replica is not fit to hold netweave's data: if a failover promotes it, netweave turns not ready", "reason", why)
		case redisstore.ReplicaWeak:
			logger.Error(nil, "WARNING: a Redis replica does not persist netweave's data safely: if a failover promotes it, acknowledged writes can be lost", "reason", why)
		case redisstore.ReplicaUnknown:
			logger.Info("Cannot read a Redis replica's configuration", "reason", why)
		default:
			logger.Info("Redis replica keeps netweave's data: noeviction and AOF")
		}
	}
	c.mu.Lock()
	c.replicasReported = seen
	c.mu.Unlock()
	c.metrics.RecordReplicas(counts)
}

// judgeReplica reads and judges the replica at addr.
func (c *RedisDurabilityCheck) judgeReplica(ctx context.Context, addr string) (verdict, why string) {
	client, err := c.replica(addr)
	if err != nil {
		return redisstore.ReplicaUnknown, err.Error()
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return c.policy.JudgeReplica(redisstore.ReadDurability(ctx, client))
}
