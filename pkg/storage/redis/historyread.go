package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/pkg/redistx"
)

// historyReadChunk is how many change-history entries one Redis call reads: a watch resuming
// from an old resourceVersion reads the history in chunks this size, so neither Redis nor the
// store ever holds more than a chunk of it for one reader.
const historyReadChunk = 500

// errHistoryCompacted says that changes a reader still needed were trimmed or compacted away.
var errHistoryCompacted = errors.New("history compacted")

// historyNeed says what a history read needs still to be there. The compaction point is the
// oldest revision kept.
type historyNeed int64

const (
	// needFrom: from itself is not compacted either, as etcd answers a list or watch from a
	// compacted revision (the storage conformance tests hold the store to it): 410.
	needFrom historyNeed = 0
	// needAfter: only the changes after from, what the shared reader hands on: a reader one
	// change behind a trimmed history has lost nothing.
	needAfter historyNeed = 1
)

// readHistory calls fn for every change in (from, to], oldest first, reading a chunk at a time.
// Each chunk is read together with the compaction point, in one transaction; the read fails
// with errHistoryCompacted as soon as what after says it needs is gone, so a trim between two
// chunks cannot silently drop changes.
func (s *Store) readHistory(ctx context.Context, op string, from, to int64, after historyNeed, fn func(*change) error) error {
	for {
		var compactedCmd *goredis.StringCmd
		var rangeCmd *goredis.XMessageSliceCmd
		start := time.Now()
		_, err := redistx.Run(ctx, s.client, func(p goredis.Pipeliner) error {
			compactedCmd = p.Get(ctx, s.keys.compacted)
			if from < to {
				rangeCmd = p.XRangeN(ctx, s.keys.stream, streamID(from+1), streamID(to), historyReadChunk)
			}
			return nil
		})
		if errors.Is(err, goredis.Nil) {
			err = nil
		}
		s.recordRequest(ctx, op, err, start)
		if err != nil {
			return fmt.Errorf("redis storage %s: %w", op, err)
		}
		compacted, _ := compactedCmd.Int64()
		s.observeCompacted(compacted)
		if from < compacted-int64(after) {
			return errHistoryCompacted
		}
		// What the start revision needs was checked with the first chunk; from here on, only
		// the changes after the last one handed to fn are needed: a trim between two chunks
		// that took just the changes already handed on lost nothing
		// (TestRegressionTrimBetweenCatchUpChunksToTheNextChangeIsNotGone).
		after = needAfter
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
