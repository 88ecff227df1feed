// Package redistx runs Redis transactions and says why Redis discarded one.
package redistx

import (
	"context"
	"errors"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// Run runs fn's commands as one transaction (MULTI … EXEC) and returns their results.
//
// When Redis discarded the transaction (EXECABORT) because it refused a command as it was
// queued — LOADING while it reads its append-only file after a restart, READONLY on a demoted
// primary, OOM — the error is that refusal: it says why, and callers classify it (the storage
// answers 503 or 507, the notifier logs a Redis that is loading), where "EXECABORT Transaction
// discarded because of previous errors" says nothing and would be a 500. Any other error is
// returned as it is.
func Run(ctx context.Context, c goredis.Cmdable, fn func(goredis.Pipeliner) error) ([]goredis.Cmder, error) {
	cmds, err := c.TxPipelined(ctx, fn)
	return cmds, cause(err, cmds)
}

func cause(err error, cmds []goredis.Cmder) error {
	var rerr goredis.Error
	if err == nil || !errors.As(err, &rerr) || !strings.HasPrefix(rerr.Error(), "EXECABORT") {
		return err
	}
	for _, c := range cmds {
		if cerr := c.Err(); cerr != nil && !errors.Is(cerr, goredis.Nil) && !strings.HasPrefix(cerr.Error(), "EXECABORT") {
			return cerr
		}
	}
	return err
}
