package redis

import (
	"time"
)

// expireBatch bounds one reaper script so a mass expiry cannot stall Redis.
const expireBatch = 256

// runTTLReaper deletes objects whose TTL passed. Expiry goes through a
// script rather than Redis EXPIRE so that it produces DELETED events and
// keeps the index and size counters right. Several replicas may reap the
// same resource; the script is idempotent.
func (s *Store) runTTLReaper() {
	ticker := time.NewTicker(s.cfg.TTLCheckInterval)
	defer ticker.Stop()
	keys := []string{s.keys.rev, s.keys.index, s.keys.stream, s.keys.compacted, s.keys.size, s.keys.ttl, s.keys.unique}
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-ticker.C:
		}
		for {
			start := time.Now()
			n, err := expireScript.Run(s.ctx, s.client, keys, s.keys.objPrefix, s.maxLen, s.slack, expireBatch).Int64()
			recordRequest("expire", s.groupResource, err, start)
			if err != nil {
				if s.ctx.Err() == nil {
					s.logger().V(2).Info("TTL reaper failed, will retry", "err", err)
				}
				break
			}
			if n < expireBatch {
				break
			}
		}
	}
}
