package redis

import (
	"context"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// write runs a write script, once (Config.WriteClient), and returns its reply. With
// MinReplicasAck set, it also waits until that many replicas have the write. m is the guard's
// mark from before the write and token the fingerprint the script records for the revision it
// makes (one of args).
func (s *Store) write(ctx context.Context, m epochMark, token string, script *goredis.Script, keys []string, args ...interface{}) ([]interface{}, error) {
	if s.cfg.MinReplicasAck <= 0 {
		return script.Run(ctx, s.writes, keys, args...).Slice()
	}
	reply, acked, err := s.writeAndWait(ctx, script.EvalSha, keys, args)
	if goredis.HasErrorPrefix(err, "NOSCRIPT") {
		// The script is not cached yet (first write, or Redis restarted): send its body.
		reply, acked, err = s.writeAndWait(ctx, script.Eval, keys, args)
	}
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

// writeAndWait sends the script and WAIT in one pipeline: WAIT counts the replicas that have
// every write of its own connection, and a pipeline keeps both on one.
func (s *Store) writeAndWait(ctx context.Context, run func(context.Context, goredis.Scripter, []string, ...interface{}) *goredis.Cmd,
	keys []string, args []interface{}) (reply []interface{}, acked int64, err error) {
	var script *goredis.Cmd
	var wait *goredis.Cmd
	_, err = s.writes.Pipelined(ctx, func(p goredis.Pipeliner) error {
		script = run(ctx, p, keys, args...)
		// Pipeliner has no Wait; the command is the same.
		wait = p.Do(ctx, "wait", s.cfg.MinReplicasAck, s.cfg.MinReplicasAckTimeout.Milliseconds())
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if reply, err = script.Slice(); err != nil {
		return nil, 0, err
	}
	acked, err = wait.Int64()
	return reply, acked, err
}
