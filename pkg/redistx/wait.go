package redistx

import (
	"context"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// EvalAndWait runs script, then WAIT for replicas for at most timeout, on one connection (one
// pipeline): WAIT counts the replicas that have every write of its own connection, the script's
// among them. It returns the script's reply and how many replicas confirmed. A script Redis has
// not cached (its first run, or a Redis that restarted or failed over) is sent whole.
func EvalAndWait(ctx context.Context, c goredis.Cmdable, script *goredis.Script, keys []string, args []any,
	replicas int, timeout time.Duration) (reply []any, acked int64, err error) {
	reply, acked, err = evalAndWait(ctx, c, script.EvalSha, keys, args, replicas, timeout)
	if goredis.HasErrorPrefix(err, "NOSCRIPT") {
		reply, acked, err = evalAndWait(ctx, c, script.Eval, keys, args, replicas, timeout)
	}
	return reply, acked, err
}

func evalAndWait(ctx context.Context, c goredis.Cmdable, run func(context.Context, goredis.Scripter, []string, ...any) *goredis.Cmd,
	keys []string, args []any, replicas int, timeout time.Duration) ([]any, int64, error) {
	var script, wait *goredis.Cmd
	if _, err := c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		script = run(ctx, p, keys, args...)
		// Pipeliner has no Wait; the command is the same.
		wait = p.Do(ctx, "wait", replicas, timeout.Milliseconds())
		return nil
	}); err != nil {
		return nil, 0, err
	}
	reply, err := script.Slice()
	if err != nil {
		return nil, 0, err
	}
	acked, err := wait.Int64()
	return reply, acked, err
}
