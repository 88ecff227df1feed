package redistx

import (
	"context"
	"io"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestDiscardedTransactionSaysWhy: a transaction Redis discarded because it refused a command
// as it was queued (a Redis loading its append-only file refuses every one with LOADING) fails
// with that refusal, not with EXECABORT (seen in TestWatchCatchingUpOutlivesRedisRestart as
// "EXECABORT Transaction discarded because of previous errors", which the storage answered 500,
// and in the notifier's log while Redis restarted).
func TestDiscardedTransactionSaysWhy(t *testing.T) {
	srv := redisserver.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	ctx := context.Background()

	raw, err := client.TxPipelined(ctx, queueRefused(ctx))
	if err == nil || !strings.HasPrefix(err.Error(), "EXECABORT") {
		t.Fatalf("the transaction as go-redis reports it: %v, want EXECABORT", err)
	}
	if _, err := Run(ctx, client, queueRefused(ctx)); err == nil || !strings.Contains(err.Error(), "wrong number of arguments") {
		t.Errorf("Run: %v, want the refusal of the command", err)
	}
	if got := cause(io.EOF, raw); got != io.EOF {
		t.Errorf("cause of a non-Redis error: %v, want it unchanged", got)
	}

	// A transaction that ran: its results, no error (a missing key is not one).
	cmds, err := Run(ctx, client, func(p goredis.Pipeliner) error {
		p.Set(ctx, "k", "v", 0)
		p.Get(ctx, "absent")
		return nil
	})
	if err != nil && err != goredis.Nil {
		t.Fatalf("Run: %v", err)
	}
	if len(cmds) != 2 || cmds[0].Err() != nil {
		t.Errorf("results %v", cmds)
	}
}

// queueRefused is a transaction whose second command Redis refuses as it is queued.
func queueRefused(ctx context.Context) func(goredis.Pipeliner) error {
	return func(p goredis.Pipeliner) error {
		p.Get(ctx, "k")
		p.Do(ctx, "get") // wrong number of arguments
		return nil
	}
}
