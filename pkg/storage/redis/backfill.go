package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/storage/value"
)

// backfillBatch bounds how many keys one scan step reads.
const backfillBatch = 500

// claimUnique indexes one stored object's unique value if the object still exists and is not
// indexed yet. Running it per key in a script makes it safe against concurrent writes: an
// object deleted meanwhile is not indexed (which would block its id forever), and a value a
// newer write already holds is reported rather than stolen.
//
// KEYS: unique object   ARGV: key value
// Returns 1 when indexed, 0 when nothing was to do, or the holder's key on a clash.
var claimUniqueScript = goredis.NewScript(`
local uniqueKey, objKey = KEYS[1], KEYS[2]
local key, value = ARGV[1], ARGV[2]
if redis.call('EXISTS', objKey) == 0 or redis.call('HEXISTS', objKey, 'u') == 1 then return 0 end
local holder = redis.call('HGET', uniqueKey, value)
if holder and holder ~= key then return holder end
redis.call('HSET', uniqueKey, value, key)
redis.call('HSET', objKey, 'u', value)
return 1
`)

// runUniqueBackfill indexes objects stored before the unique index existed (or by a store
// without one), retrying until it completes: Redis may be down when the server starts.
func (s *Store) runUniqueBackfill() {
	backoff := wait.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 1 << 30, Cap: 30 * time.Second}
	_ = wait.ExponentialBackoffWithContext(s.ctx, backoff, func(ctx context.Context) (bool, error) {
		if err := s.backfillUnique(ctx); err != nil {
			if ctx.Err() == nil {
				s.logger().V(2).Info("Unique index backfill failed, will retry", "err", err)
			}
			return false, nil
		}
		return true, nil
	})
}

// backfillUnique walks every key of the resource once.
func (s *Store) backfillUnique(ctx context.Context) error {
	var cursor uint64
	indexed := 0
	for {
		keys, next, err := s.client.ZScan(ctx, s.keys.index, cursor, "*", backfillBatch).Result()
		if err != nil {
			return fmt.Errorf("scan %s for the unique index: %w", s.groupResource, err)
		}
		// ZSCAN returns member, score pairs.
		for i := 0; i < len(keys); i += 2 {
			n, err := s.backfillKey(ctx, keys[i])
			if err != nil {
				return err
			}
			indexed += n
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	if indexed > 0 {
		s.logger().Info("Indexed unique values of existing objects", "count", indexed)
	}
	return nil
}

func (s *Store) backfillKey(ctx context.Context, key string) (int, error) {
	objKey := s.keys.object(key)
	fields, err := s.client.HMGet(ctx, objKey, "v", "u").Result()
	if err != nil {
		return 0, fmt.Errorf("read %s for the unique index: %w", key, err)
	}
	data, ok := fields[0].(string)
	if !ok || fields[1] != nil {
		return 0, nil // deleted meanwhile, or already indexed
	}
	plain, _, err := s.getTransformer().TransformFromStorage(ctx, []byte(data), value.DefaultContext(key))
	if err != nil {
		s.logger().Error(err, "Cannot read stored object for the unique index", "key", key)
		return 0, nil
	}
	obj := s.newFunc()
	if err := s.decode(plain, obj, 0); err != nil {
		s.logger().Error(err, "Cannot decode stored object for the unique index", "key", key)
		return 0, nil
	}
	value, err := s.uniqueKeyOf(obj)
	if err != nil || value == "" {
		return 0, nil
	}
	res, err := claimUniqueScript.Run(ctx, s.client, []string{s.keys.unique, objKey}, key, value).Result()
	if err != nil {
		return 0, fmt.Errorf("index %s: %w", key, err)
	}
	switch v := res.(type) {
	case int64:
		return int(v), nil
	case string:
		// Two objects stored before the index existed share a value; the older claim stands
		// and an operator must rename one. Nothing is deleted.
		s.logger().Error(nil, "Stored objects share a unique value", "key", key, "holder", v, "value", value)
	}
	return 0, nil
}
