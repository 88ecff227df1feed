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
// (maxRunning). Everything else (deduplication, one worker per key at a time, delays and
// retries) is client-go's.
//
// Taking turns orders what waits, not what runs: a tenant with as many keys as there are
// workers, each taking long (an NfDeployment whose target does not answer, or whose workloads
// Helm waits up to --o2dms-timeout for), took every worker, one after the other as they came
// free, and every other tenant's keys waited behind them, again at each of its retries.
func NewRateLimiting(name string, rl workqueue.TypedRateLimiter[string], workers int) workqueue.TypedRateLimitingInterface[string] {
	queue := workqueue.NewTypedWithConfig(workqueue.TypedQueueConfig[string]{Name: name, Queue: New(namespaceOf)})
	delaying := workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{Name: name, Queue: queue})
	limiting := workqueue.NewTypedRateLimitingQueueWithConfig(rl, workqueue.TypedRateLimitingQueueConfig[string]{Name: name, DelayingQueue: delaying})
	return &capped{TypedRateLimitingInterface: limiting, max: maxRunning(workers), running: map[string]int{}}
}

// maxRunning is how many of workers one namespace's keys may hold at once: all but one, so
// that another namespace's key always finds a worker that no single namespace holds; all of
// them when there is only one.
func maxRunning(workers int) int {
	return max(1, workers-1)
}

// capped hands out no more than max keys of one namespace at a time. A key the workqueue hands
// out while its namespace holds max workers is parked: it stays "processing" for the
// workqueue (so it is not handed out twice, and an Add of it meanwhile marks it for after its
// Done), and the next Get once a key of its namespace is Done hands it out. That next Get comes:
// a key is parked only while its namespace holds a worker, and a worker calls Get again after
// each Done.
type capped struct {
	workqueue.TypedRateLimitingInterface[string]
	max int

	mu sync.Mutex
	// running counts, by namespace, the keys handed out and not yet Done.
	running map[string]int
	// parked holds keys taken from the workqueue while their namespace held max workers, in
	// the order taken.
	parked []string
}

// Get hands out the oldest parked key whose namespace may run one more, else the workqueue's
// next key, parking those whose namespace may not.
func (c *capped) Get() (string, bool) {
	for {
		if key, ok := c.unpark(); ok {
			return key, false
		}
		key, quit := c.TypedRateLimitingInterface.Get()
		if quit {
			c.releaseParked()
			return key, true
		}
		ns := namespaceOf(key)
		c.mu.Lock()
		if c.running[ns] < c.max {
			c.running[ns]++
			c.mu.Unlock()
			return key, false
		}
		c.parked = append(c.parked, key)
		c.mu.Unlock()
	}
}

// unpark takes the oldest parked key whose namespace may run one more.
func (c *capped) unpark() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, key := range c.parked {
		ns := namespaceOf(key)
		if c.running[ns] < c.max {
			c.parked = slices.Delete(c.parked, i, i+1)
			c.running[ns]++
			return key, true
		}
	}
	return "", false
}

// releaseParked gives the parked keys back to the workqueue once it is shut down, so that a
// drain does not wait for them.
func (c *capped) releaseParked() {
	c.mu.Lock()
	parked := c.parked
	c.parked = nil
	c.mu.Unlock()
	for _, key := range parked {
		c.TypedRateLimitingInterface.Done(key)
	}
}

// Done marks key processed, freeing its namespace's place.
func (c *capped) Done(key string) {
	ns := namespaceOf(key)
	c.mu.Lock()
	if c.running[ns]--; c.running[ns] <= 0 {
		delete(c.running, ns)
	}
	c.mu.Unlock()
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
