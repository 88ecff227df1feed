// Package fairqueue orders a controller's workqueue by tenant: the keys of every namespace
// that has any waiting take turns, one key of each in turn, instead of first in, first out.
// netweave's controllers that act for tenants (O2-DMS deployments, provisioning requests) share
// a few workers among every tenant's objects; in arrival order, a tenant that applied a few
// hundred objects at once, or whose objects each take long (a slow or hung target), delayed
// every other tenant's first object behind all of its own. And one namespace's keys hold at
// most all workers but one, so that objects that each take long cannot take every worker.
package fairqueue

import (
	"slices"
	"strings"
	"sync"

	"k8s.io/client-go/util/workqueue"
)

// NewRateLimiting is client-go's rate-limiting workqueue, named name for its metrics, whose
// "namespace/name" keys (cache.MetaNamespaceKeyFunc's) are handed out round-robin by
// namespace, to workers goroutines, of which one namespace's keys hold at most all but one
// (maxRunning): its other keys wait in the queue, in their turn, and are not in its Len until
// it may run one. Everything else (deduplication, one worker per key at a time, delays and
// retries) is client-go's.
//
// Taking turns orders what waits, not what runs: a tenant with as many keys as there are
// workers, each taking long (an NfDeployment whose target does not answer, or whose workloads
// Helm waits up to --o2dms-timeout for), took every worker, one after the other as they came
// free, and every other tenant's keys waited behind them, again at each of its retries.
func NewRateLimiting(name string, rl workqueue.TypedRateLimiter[string], workers int) workqueue.TypedRateLimitingInterface[string] {
	fair := newCapped(namespaceOf, maxRunning(workers))
	queue := workqueue.NewTypedWithConfig(workqueue.TypedQueueConfig[string]{Name: name, Queue: fair})
	delaying := workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{Name: name, Queue: queue})
	limiting := workqueue.NewTypedRateLimitingQueueWithConfig(rl, workqueue.TypedRateLimitingQueueConfig[string]{Name: name, DelayingQueue: delaying})
	return &capped{TypedRateLimitingInterface: limiting, fair: fair}
}

// maxRunning is how many of workers one namespace's keys may hold at once: all but one, so
// that another namespace's key always finds a worker that no single namespace holds; all of
// them when there is only one.
func maxRunning(workers int) int {
	return max(1, workers-1)
}

// capped hands out no more than max keys of one namespace at a time. The cap is the queue's
// own (queue.running): a namespace that holds max workers keeps its keys, and its turn, in the
// queue, and the queue hands out the next namespace's instead; its keys are not taken out of
// the workqueue to wait elsewhere, which let them go before every other namespace's once a
// worker came free (TestRegressionParkedKeysJumpOtherTenants) and hid them from the
// workqueue's depth (TestRegressionParkedKeysMissingFromDepth). No wake-up is needed when a
// namespace's place comes free: that happens at a Done, and the worker that called it calls
// Get next.
type capped struct {
	workqueue.TypedRateLimitingInterface[string]
	fair *queue[string]
}

// Done marks key processed, freeing its namespace's place.
func (c *capped) Done(key string) {
	c.fair.release(key)
	c.TypedRateLimitingInterface.Done(key)
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
	return newCapped(group, 0)
}

// newCapped is New whose groups may have at most max items popped and not yet released (0: no
// limit). A group at max keeps its items and its place in the turns; Len counts only the items
// that may be popped, so that the workqueue's Get waits rather than pop one.
func newCapped[T comparable](group func(T) string, max int) *queue[T] {
	return &queue[T]{group: group, max: max, waiting: map[string][]T{}, running: map[string]int{}}
}

type queue[T comparable] struct {
	group func(T) string
	max   int

	// mu guards what follows: the workqueue calls Push, Pop and Len under its own lock, release
	// comes from a worker's Done outside it.
	mu sync.Mutex
	// waiting holds each group's items in arrival order; turns the groups with items, in
	// the order they take their next turn.
	waiting map[string][]T
	turns   []string
	// running counts, by group, the items popped and not yet released; ready is how many
	// waiting items are of groups below max.
	running map[string]int
	ready   int
}

// Touch keeps an item's place: an item added again waits where it was.
func (q *queue[T]) Touch(T) {}

func (q *queue[T]) full(g string) bool { return q.max > 0 && q.running[g] >= q.max }

func (q *queue[T]) Push(item T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	g := q.group(item)
	if len(q.waiting[g]) == 0 {
		q.turns = append(q.turns, g)
	}
	q.waiting[g] = append(q.waiting[g], item)
	if !q.full(g) {
		q.ready++
	}
}

// Len is the number of items that may be popped now.
func (q *queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.ready
}

// Pop hands out the oldest item of the first group in turn that is below max; the workqueue
// calls it only when Len > 0. A group at max keeps its place in the turns.
func (q *queue[T]) Pop() T {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.IndexFunc(q.turns, func(g string) bool { return !q.full(g) })
	g := q.turns[i]
	if i == 0 {
		// The usual case, in O(1): only a group at max is passed over, and with a worker free at most one is.
		q.turns[0] = ""
		q.turns = q.turns[1:]
	} else {
		q.turns = slices.Delete(q.turns, i, i+1)
	}
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
	q.ready--
	if q.max > 0 {
		q.running[g]++
		if q.full(g) {
			q.ready -= len(q.waiting[g])
		}
	}
	return item
}

// release frees the place of a popped item: the workqueue is Done with it.
func (q *queue[T]) release(item T) {
	if q.max == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	g := q.group(item)
	if q.running[g] <= 0 {
		return // not popped (a Done without a Get): nothing to free
	}
	if q.full(g) {
		q.ready += len(q.waiting[g])
	}
	if q.running[g]--; q.running[g] == 0 {
		delete(q.running, g)
	}
}
