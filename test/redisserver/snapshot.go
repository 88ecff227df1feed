package redisserver

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Snapshot is a copy of the keys of a Redis database (all, or those matching a pattern) as
// they were when taken.
type Snapshot struct {
	// pattern selects the keys the snapshot is of (SCAN MATCH); "*" for all.
	pattern string
	keys    map[string]dumpedKey
}

type dumpedKey struct {
	value string
	ttl   time.Duration
}

// TakeSnapshot copies every key of client's database (DUMP, with its TTL). Restoring it later
// is what a store that went back looks like to its clients: a Redis restarted from an older
// RDB file, or a Sentinel failover to a replica that lacked the latest writes. Unlike a
// restart, the server and its connections stay up, so a test controls exactly which client
// reads what, and when.
func TakeSnapshot(ctx context.Context, client goredis.UniversalClient) (*Snapshot, error) {
	return TakeSnapshotOf(ctx, client, "*")
}

// TakeSnapshotOf is TakeSnapshot of the keys matching pattern only (SCAN MATCH): restored, it
// is a failover that discarded the writes to those keys since and kept every other.
func TakeSnapshotOf(ctx context.Context, client goredis.UniversalClient, pattern string) (*Snapshot, error) {
	s := &Snapshot{pattern: pattern, keys: map[string]dumpedKey{}}
	iter := client.Scan(ctx, 0, pattern, 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		value, err := client.Dump(ctx, key).Result()
		if err != nil {
			return nil, fmt.Errorf("DUMP %s: %w", key, err)
		}
		ttl, err := client.PTTL(ctx, key).Result()
		if err != nil {
			return nil, fmt.Errorf("PTTL %s: %w", key, err)
		}
		if ttl < 0 {
			ttl = 0
		}
		s.keys[key] = dumpedKey{value: value, ttl: ttl}
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("SCAN: %w", err)
	}
	return s, nil
}

// Restore replaces the keys the snapshot is of (the whole database, or those matching its
// pattern) with the snapshot: every such key written since is gone, every key the snapshot
// holds is back as it was (streams with their last id, counters with their value). It is one
// transaction, so no client sees the keys missing in between (which would look like a wipe,
// not a rollback).
func (s *Snapshot) Restore(ctx context.Context, client goredis.UniversalClient) error {
	var since []string
	if s.pattern != "*" {
		iter := client.Scan(ctx, 0, s.pattern, 1000).Iterator()
		for iter.Next(ctx) {
			since = append(since, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("SCAN: %w", err)
		}
	}
	_, err := client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		if s.pattern == "*" {
			p.FlushAll(ctx)
		} else if len(since) > 0 {
			p.Del(ctx, since...)
		}
		for key, k := range s.keys {
			p.RestoreReplace(ctx, key, k.ttl, k.value)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("restoring the snapshot: %w", err)
	}
	return nil
}
