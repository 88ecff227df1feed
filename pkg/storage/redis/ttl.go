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
	// The object key is unused (each reaped object's key is built from the prefix); the
	// epoch key is, too, but K keeps the same positions in every write script.
	keys := s.writeKeys("")
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-ticker.C:
		}
		for {
			start := time.Now()
			n, err := expireScript.Run(s.ctx, s.client, keys, s.keys.objPrefix, s.trim.maxLen, s.trim.slack, expireBatch, s.trim.maxBytes,
				newRevisionToken()).Int64()
			s.cfg.Metrics.recordRequest("expire", s.groupResource, err, start)
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
