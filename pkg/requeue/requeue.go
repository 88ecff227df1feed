// Package requeue is how netweave's controllers retry a key: how long a key whose
// reconciliation failed waits before its next attempt, and a panic taken as the key's failure
// instead of the process's end.
package requeue

import (
	"time"

	"golang.org/x/time/rate"
	"k8s.io/client-go/util/workqueue"
)

// MaxDelay is the longest a key that keeps failing waits before its next attempt.
const MaxDelay = 30 * time.Second

// RateLimiter is client-go's default controller rate limiter (per key 5 ms doubling; overall
// 10 retries a second, in bursts of 100) with the per-key wait capped at MaxDelay instead of
// 1000 s. What fails most in netweave is a write to a Redis that is down, hung or full: with
// client-go's cap a key that kept failing through an outage of T waited about T more once
// Redis was back (up to 17 minutes), and what it carried (a node's change in the inventory,
// an alarm) stayed stale that long after the store recovered.
//
// The overall bucket is capped at MaxDelay too: it reserves a token for every failure, so when
// many keys fail together (every key while Redis is down) the k-th waited about k/10 s, minutes
// for a few thousand keys, however short each key's own wait. Capped, a mass failure retries
// within MaxDelay, at most the failing keys per MaxDelay.
func RateLimiter[T comparable]() workqueue.TypedRateLimiter[T] {
	return capped[T]{workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[T](5*time.Millisecond, MaxDelay),
		&workqueue.TypedBucketRateLimiter[T]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
	)}
}

// capped is a rate limiter whose waits are at most MaxDelay.
type capped[T comparable] struct {
	workqueue.TypedRateLimiter[T]
}

func (c capped[T]) When(item T) time.Duration {
	return min(c.TypedRateLimiter.When(item), MaxDelay)
}
