// Package fairqueue orders a controller's workqueue by tenant: the keys of every namespace
// that has any waiting take turns, one key of each in turn, instead of first in, first out.
// netweave's controllers that act for tenants (O2-DMS deployments, provisioning requests) share
// a few workers among every tenant's objects; in arrival order, a tenant that applied a few
// hundred objects at once, or whose objects each take long (a slow or hung target), delayed
// every other tenant's first object behind all of its own.
package fairqueue

import (
	"strings"

	"k8s.io/client-go/util/workqueue"
)

// NewRateLimiting is client-go's rate-limiting workqueue, named name for its metrics, whose
// "namespace/name" keys (cache.MetaNamespaceKeyFunc's) are handed out round-robin by
// namespace. Everything else (deduplication, one worker per key at a time, delays and
// retries) is client-go's.
func NewRateLimiting(name string, rl workqueue.TypedRateLimiter[string]) workqueue.TypedRateLimitingInterface[string] {
	queue := workqueue.NewTypedWithConfig(workqueue.TypedQueueConfig[string]{Name: name, Queue: New(namespaceOf)})
	delaying := workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{Name: name, Queue: queue})
	return workqueue.NewTypedRateLimitingQueueWithConfig(rl, workqueue.TypedRateLimitingQueueConfig[string]{Name: name, DelayingQueue: delaying})
}

// namespaceOf is the namespace of a "namespace/name" key ("" for a cluster-scoped "name").
func namespaceOf(key string) string {
	ns, _, found := strings.Cut(key, "/")
	if !found {
		return ""
	}
	return ns
}

// New is a workqueue.Queue whose items are popped round-robin by group (group(item)), first
// in, first out within a group. The workqueue calls it under its own lock.
func New[T comparable](group func(T) string) workqueue.Queue[T] {
	return &queue[T]{group: group, waiting: map[string][]T{}}
}

type queue[T comparable] struct {
	group func(T) string
	// waiting holds each group's items in arrival order; turns the groups with items, in
	// the order they take their next turn.
	waiting map[string][]T
	turns   []string
	n       int
}

// Touch keeps an item's place: an item added again waits where it was.
func (q *queue[T]) Touch(T) {}

func (q *queue[T]) Push(item T) {
	g := q.group(item)
	if len(q.waiting[g]) == 0 {
		q.turns = append(q.turns, g)
	}
	q.waiting[g] = append(q.waiting[g], item)
	q.n++
}

func (q *queue[T]) Len() int { return q.n }

// Pop hands out the next group's oldest item; the workqueue calls it only when Len > 0.
func (q *queue[T]) Pop() T {
	g := q.turns[0]
	q.turns[0] = ""
	q.turns = q.turns[1:]
	items := q.waiting[g]
	item := items[0]
	var zero T
	items[0] = zero // the popped item is the caller's; the slice must not keep it alive
	if len(items) == 1 {
		delete(q.waiting, g)
	} else {
		q.waiting[g] = items[1:]
		q.turns = append(q.turns, g)
	}
	q.n--
	return item
}
