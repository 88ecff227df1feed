package redis

import (
	"context"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/pkg/redistx"
)

// write runs a write script, once (Config.WriteClient), and returns its reply. With
// MinReplicasAck set, it also waits until that many replicas have the write. m is the guard's
// mark from before the write and token the fingerprint the script records for the revision it
// makes (one of args).
func (s *Store) write(ctx context.Context, m epochMark, token string, script *goredis.Script, keys []string, args ...interface{}) ([]interface{}, error) {
	if s.cfg.MinReplicasAck <= 0 {
		return script.Run(ctx, s.writes, keys, args...).Slice()
	}
	reply, acked, err := redistx.EvalAndWait(ctx, s.writes, script, keys, args, s.cfg.MinReplicasAck, s.cfg.MinReplicasAckTimeout)
	if err != nil {
		return nil, err
	}
	res, perr := parseWriteResult(reply)
	if perr == nil && !res.ok {
		// Refused by the fence, a precondition (the object exists, or is not at the expected
		// revision) or the unique index: the script wrote nothing that a failover could lose,
		// so the caller gets its ordinary answer (409, a retry), not an unknown outcome
		// (TestRegressionNotWrittenCreateUnderMinReplicasAckIsAlreadyExists).
		return reply, nil
	}
	if acked < int64(s.cfg.MinReplicasAck) {
		// The primary applied the write all the same, so its revision is real and the guard
		// must see it. After a failover that discarded writes this process had seen, every
		// write fails here until a replica is back, yet each takes a revision it had seen:
		// only these revisions show the store went back. Once the new primary's revision
		// passes the old one nothing else would, and caches would serve what the failover
		// discarded (TestRollbackNoticedThroughUnconfirmedWrites, found by TestRedisFailover).
		if perr == nil {
			s.observeWrite(m, token, res)
		}
		return nil, fmt.Errorf("the write reached %d of %d replicas within %s: the primary has it, a failover may lose it",
			acked, s.cfg.MinReplicasAck, s.cfg.MinReplicasAckTimeout)
	}
	return reply, nil
}
