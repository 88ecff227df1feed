package redisserver

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Snapshot is a copy of every key of a Redis database as it was when taken.
type Snapshot struct {
	keys map[string]dumpedKey
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
	s := &Snapshot{keys: map[string]dumpedKey{}}
	iter := client.Scan(ctx, 0, "*", 1000).Iterator()
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

// Restore replaces the whole database with the snapshot: every key written since is gone,
// every key the snapshot holds is back as it was (streams with their last id, counters
// with their value). It is one transaction, so no client sees the empty database in
// between (which would look like a wipe, not a rollback).
func (s *Snapshot) Restore(ctx context.Context, client goredis.UniversalClient) error {
	_, err := client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.FlushAll(ctx)
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
