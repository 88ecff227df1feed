package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
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

// historyScript reads the compaction point and, when ARGV[1] is not empty, one chunk of the
// change history, together. It is a script rather than a MULTI/EXEC transaction because Redis
// at its maxmemory refuses every command queued in a MULTI, reads included ("OOM command not
// allowed"), while a script without a shebang that only reads runs: with a transaction, a
// full Redis ended every watch and failed the O2 face's informers, so both faces refused
// reads (503) that should go on.
//
// KEYS: compacted stream
// ARGV: start end count (start empty: the compaction point only)
// Returns {compacted|nil, {{id, {field, value, ...}}, ...}}.
var historyScript = goredis.NewScript(`
local comp = redis.call('GET', KEYS[1])
if ARGV[1] == '' then return {comp, {}} end
return {comp, redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[2], 'COUNT', ARGV[3])}
`)

// readHistory calls fn for every change in (from, to], oldest first, reading a chunk at a time.
// Each chunk is read together with the compaction point, in one script; the read fails
// with errHistoryCompacted as soon as what after says it needs is gone, so a trim between two
// chunks cannot silently drop changes.
func (s *Store) readHistory(ctx context.Context, op string, from, to int64, after historyNeed, fn func(*change) error) error {
	for {
		start := time.Now()
		args := []interface{}{"", "", historyReadChunk}
		if from < to {
			args = []interface{}{streamID(from + 1), streamID(to), historyReadChunk}
		}
		res, err := historyScript.Run(ctx, s.client, []string{s.keys.compacted, s.keys.stream}, args...).Slice()
		s.recordRequest(ctx, op, err, start)
		if err != nil {
			return fmt.Errorf("redis storage %s: %w", op, err)
		}
		compacted, msgs, err := parseHistoryChunk(res)
		if err != nil {
			return fmt.Errorf("redis storage %s: %w", op, err)
		}
		s.observeCompacted(compacted)
		if from < compacted-int64(after) {
			return errHistoryCompacted
		}
		// What the start revision needs was checked with the first chunk; from here on, only
		// the changes after the last one handed to fn are needed: a trim between two chunks
		// that took just the changes already handed on lost nothing
		// (TestRegressionTrimBetweenCatchUpChunksToTheNextChangeIsNotGone).
		after = needAfter
		if from >= to {
			return nil
		}
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

// parseHistoryChunk takes historyScript's answer apart: the compaction point (0 when unset)
// and the stream entries, as XRANGE would give them.
func parseHistoryChunk(res []interface{}) (int64, []goredis.XMessage, error) {
	if len(res) != 2 {
		return 0, nil, fmt.Errorf("history read answered %d values, want 2", len(res))
	}
	var compacted int64
	if str, ok := res[0].(string); ok {
		n, err := strconv.ParseInt(str, 10, 64)
		if err != nil {
			return 0, nil, fmt.Errorf("compaction point %q: %w", str, err)
		}
		compacted = n
	}
	entries, _ := res[1].([]interface{})
	msgs := make([]goredis.XMessage, 0, len(entries))
	for _, e := range entries {
		pair, ok := e.([]interface{})
		if !ok || len(pair) != 2 {
			return 0, nil, fmt.Errorf("stream entry %v is not {id, fields}", e)
		}
		id, _ := pair[0].(string)
		fields, _ := pair[1].([]interface{})
		values := make(map[string]interface{}, len(fields)/2)
		for i := 0; i+1 < len(fields); i += 2 {
			k, _ := fields[i].(string)
			values[k] = fields[i+1]
		}
		msgs = append(msgs, goredis.XMessage{ID: id, Values: values})
	}
	return compacted, msgs, nil
}
