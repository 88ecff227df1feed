package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// historyReadChunk is how many change-history entries one Redis call reads: a watch resuming
// from an old resourceVersion reads the history in chunks this size, so neither Redis nor the
// store ever holds more than a chunk of it for one reader.
const historyReadChunk = 500

// errHistoryCompacted says that changes a reader still needed were trimmed or compacted away.
var errHistoryCompacted = errors.New("history compacted")

// discardedBecause is the error of a transaction: when Redis discarded it (EXECABORT) because
// it refused a command as it was queued (LOADING while it reads its append-only file after a
// restart, READONLY, OOM), that refusal, which says why and which requestError knows (503, 507)
// where EXECABORT alone would be a 500; otherwise err.
func discardedBecause(err error, cmds []goredis.Cmder) error {
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

// readHistory calls fn for every change in (from, to], oldest first, reading a chunk at a time.
// Each chunk is read together with the compaction point, in one transaction; the read fails
// with errHistoryCompacted as soon as anything after the last change handed to fn is gone, so
// a trim between two chunks cannot silently drop changes.
func (s *Store) readHistory(ctx context.Context, op string, from, to int64, fn func(*change) error) error {
	for {
		var compactedCmd *goredis.StringCmd
		var rangeCmd *goredis.XMessageSliceCmd
		start := time.Now()
		cmds, err := s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			compactedCmd = p.Get(ctx, s.keys.compacted)
			if from < to {
				rangeCmd = p.XRangeN(ctx, s.keys.stream, streamID(from+1), streamID(to), historyReadChunk)
			}
			return nil
		})
		if errors.Is(err, goredis.Nil) {
			err = nil
		}
		err = discardedBecause(err, cmds)
		s.recordRequest(ctx, op, err, start)
		if err != nil {
			return fmt.Errorf("redis storage %s: %w", op, err)
		}
		compacted, _ := compactedCmd.Int64()
		s.observeCompacted(compacted)
		if from < compacted {
			return errHistoryCompacted
		}
		if rangeCmd == nil {
			return nil
		}
		msgs := rangeCmd.Val()
		for _, msg := range msgs {
			c, err := changeFromMessage(msg)
			if err != nil {
				return err
			}
			if err := fn(&c); err != nil {
				return err
			}
			from = c.rev
		}
		if len(msgs) < historyReadChunk {
			return nil
		}
	}
}
