package notify

import "sync"

// queueShares splits a byte budget (QueueLimits.NamespaceBytes) evenly among the subscriptions
// of one namespace, of every kind, or of one owner in the default subscription namespace,
// where every SMO subscribes. Each subscription's queue in Redis is bounded by the whole queue
// bound (QueueLimits.Bytes) alone otherwise: a tenant whose callbacks never answered and that
// kept changing its own objects could fill the Redis every tenant writes to with subscriptions
// × the queue bound (16 GiB with the defaults), and every tenant's writes were then refused.
// With the budget, a queue past its share loses its oldest notifications (reported as dropped,
// like a full queue's), so one namespace's queues hold about the budget, and at least the
// newest notification each.
type queueShares struct {
	budget int64
	mu     sync.Mutex
	counts map[string]int
}

// newQueueShares splits budget; 0 or less splits nothing.
func newQueueShares(budget int64) *queueShares {
	return &queueShares{budget: budget, counts: map[string]int{}}
}

// shareKey is whose share sub's queue takes from: its namespace's, or in the default
// subscription namespace its owner's.
func shareKey(sub *Subscription) string {
	if sub.AllNamespaces {
		return sub.Namespace + "\x00" + ownerOf(sub)
	}
	return sub.Namespace
}

// join counts a served subscription in key's share.
func (q *queueShares) join(key string) {
	if q == nil || q.budget <= 0 {
		return
	}
	q.mu.Lock()
	q.counts[key]++
	q.mu.Unlock()
}

// leave takes a subscription out of key's share.
func (q *queueShares) leave(key string) {
	if q == nil || q.budget <= 0 {
		return
	}
	q.mu.Lock()
	if q.counts[key] <= 1 {
		delete(q.counts, key)
	} else {
		q.counts[key]--
	}
	q.mu.Unlock()
}

// bound is the bytes the queue of a subscription counted in key may hold (0: no share bound).
func (q *queueShares) bound(key string) int64 {
	if q == nil || q.budget <= 0 {
		return 0
	}
	q.mu.Lock()
	n := q.counts[key]
	q.mu.Unlock()
	if n < 1 {
		n = 1
	}
	return max(q.budget/int64(n), 1)
}
