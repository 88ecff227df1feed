package fairqueue

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"k8s.io/client-go/util/workqueue"
)

// TestRegressionOneTenantsBurstDelaysEveryOther: the O2-DMS and provisioning controllers'
// queues were first in, first out, so a tenant that applied 200 NfDeployments at once held
// another tenant's one NfDeployment, applied a moment later, behind all 200 (with a target
// that takes a minute per request, for over an hour). Keys now take turns by namespace: the
// other tenant's is the second handed out.
func TestRegressionOneTenantsBurstDelaysEveryOther(t *testing.T) {
	q := NewRateLimiting("", workqueue.DefaultTypedControllerRateLimiter[string](), 2)
	defer q.ShutDown()
	for i := range 200 {
		q.Add(fmt.Sprintf("tenant-a/nf-%d", i))
	}
	q.Add("tenant-b/nf")
	var got []string
	for range 3 {
		key, _ := q.Get()
		got = append(got, key)
		q.Done(key)
	}
	if want := []string{"tenant-a/nf-0", "tenant-b/nf", "tenant-a/nf-1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("handed out %v, want %v", got, want)
	}
}

func TestRoundRobinByGroup(t *testing.T) {
	q := New(namespaceOf)
	for _, k := range []string{"a/1", "a/2", "a/3", "b/1", "c/1", "c/2", "cluster-scoped"} {
		q.Push(k)
	}
	if q.Len() != 7 {
		t.Fatalf("Len %d, want 7", q.Len())
	}
	var got []string
	for q.Len() > 0 {
		got = append(got, q.Pop())
		if len(got) == 2 {
			q.Push("b/2") // b had nothing left: it rejoins behind a, which still waits
		}
	}
	want := []string{"a/1", "b/1", "c/1", "cluster-scoped", "a/2", "b/2", "c/2", "a/3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("popped %v, want %v", got, want)
	}
}

// TestWorkqueueSemanticsKept: deduplication and one worker per key are the workqueue's, the
// order only is this queue's.
func TestWorkqueueSemanticsKept(t *testing.T) {
	q := NewRateLimiting("", workqueue.DefaultTypedControllerRateLimiter[string](), 2)
	defer q.ShutDown()
	q.Add("a/1")
	q.Add("a/1")
	q.Add("b/1")
	if q.Len() != 2 {
		t.Fatalf("Len %d after adding a/1 twice and b/1, want 2", q.Len())
	}
	key, _ := q.Get()
	q.Add(key) // added while processing: handed out again only after Done
	other, _ := q.Get()
	if key != "a/1" || other != "b/1" || q.Len() != 0 {
		t.Fatalf("got %s then %s, %d waiting; want a/1, b/1 and a/1 held back", key, other, q.Len())
	}
	q.Done(key)
	if q.Len() != 1 {
		t.Errorf("a/1 not back after Done: %d waiting", q.Len())
	}
	q.Done(other)
}

// TestParkedKeyHandedOutAfterDone: a key handed out by the workqueue while its namespace holds
// all the workers it may is kept back, the next namespace's is handed out instead, and the
// kept key goes to the next Get after one of its namespace's keys is Done.
func TestParkedKeyHandedOutAfterDone(t *testing.T) {
	q := NewRateLimiting("", workqueue.DefaultTypedControllerRateLimiter[string](), 3)
	defer q.ShutDown()
	for _, k := range []string{"a/1", "a/2", "a/3", "b/1"} {
		q.Add(k)
	}
	var got []string
	for range 3 {
		key, _ := q.Get()
		got = append(got, key)
	}
	// a/1, b/1 (turns), a/2; a/3 is a's third while a holds two of three workers.
	if want := []string{"a/1", "b/1", "a/2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("handed out %v, want %v", got, want)
	}
	q.Add("a/1") // added again while running: after its Done, behind a/3
	q.Done("b/1")
	q.Done("a/1")
	if key, _ := q.Get(); key != "a/3" {
		t.Fatalf("after a/1 was Done, got %s, want the kept a/3", key)
	}
	q.Done("a/2")
	if key, _ := q.Get(); key != "a/1" {
		t.Fatalf("got %s, want a/1 again", key)
	}
}

// TestRegressionParkedKeysJumpOtherTenants: with three workers, a worker that came free while
// tenant-a held its two took tenant-a's next key out of its turn ("parked" it), and parked
// keys went before every other namespace's at the next Done of tenant-a's. A worker that came
// free when only tenant-a's keys waited parked all of them, so a tenant-b key added later
// waited behind every one of tenant-a's, handed out one at each Done of tenant-a's, until the
// one worker tenant-a did not hold (running tenant-c's, a hung target: up to --o2dms-timeout)
// was free. Round-robin promises tenant-b the next free worker but one turn.
func TestRegressionParkedKeysJumpOtherTenants(t *testing.T) {
	q := NewRateLimiting("", workqueue.DefaultTypedControllerRateLimiter[string](), 3)
	defer q.ShutDown()
	for i := range 10 {
		q.Add(fmt.Sprintf("tenant-a/nf-%d", i))
	}
	a0, _ := q.Get()
	a1, _ := q.Get()
	q.Add("tenant-c/slow")
	// tenant-a may not run a third: the third worker gets tenant-c's.
	if key, _ := q.Get(); key != "tenant-c/slow" {
		t.Fatalf("third worker got %s, want tenant-c/slow", key)
	}
	q.Add("tenant-b/nf")
	// Every worker is busy; tenant-a's two are Done one after the other. tenant-a's turn
	// came before tenant-b's arrived, so tenant-b's may be second, not later.
	var got []string
	for _, done := range []string{a0, a1} {
		q.Done(done)
		key, _ := q.Get()
		got = append(got, key)
	}
	if want := []string{"tenant-a/nf-2", "tenant-b/nf"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after two of tenant-a's were Done, handed out %v, want %v", got, want)
	}
}

// TestRegressionParkedKeysMissingFromDepth: a key held back because its namespace held all
// the workers it may was taken from the workqueue ("parked"), so workqueue_depth did not
// count it (an operator saw an empty queue while tenants' objects waited), its wait was not in
// workqueue_queue_duration_seconds but in workqueue_work_duration_seconds. A held-back key
// waits in the queue: it is in the depth until it is handed out.
func TestRegressionParkedKeysMissingFromDepth(t *testing.T) {
	// The provider is the process's, set once: each queue named so gets a new gauge from it.
	workqueue.SetProvider(depthProvider{})
	q := NewRateLimiting(depthQueue, workqueue.DefaultTypedControllerRateLimiter[string](), 2)
	defer q.ShutDown()
	depth := lastDepth.Load()
	for _, k := range []string{"a/1", "a/2", "a/3", "b/1"} {
		q.Add(k)
	}
	if key, _ := q.Get(); key != "a/1" {
		t.Fatalf("got %s, want a/1", key)
	}
	if key, _ := q.Get(); key != "b/1" {
		t.Fatalf("got %s, want b/1", key)
	}
	q.Add("c/1")
	q.Done("b/1")
	// a holds the one worker it may (of two): the free worker gets c/1, a/2 and a/3 wait.
	if key, _ := q.Get(); key != "c/1" {
		t.Fatalf("got %s, want c/1", key)
	}
	if got := depth.get(); got != 2 {
		t.Errorf("workqueue depth %d while a/2 and a/3 wait, want 2", got)
	}
}

type gauge struct {
	mu sync.Mutex
	n  int
}

func (g *gauge) Inc() { g.mu.Lock(); g.n++; g.mu.Unlock() }
func (g *gauge) Dec() { g.mu.Lock(); g.n--; g.mu.Unlock() }
func (g *gauge) get() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

type noop struct{}

func (noop) Inc()            {}
func (noop) Set(float64)     {}
func (noop) Observe(float64) {}

// depthProvider keeps in lastDepth the depth gauge of the last queue named depthQueue.
type depthProvider struct{}

const depthQueue = "fairqueue_test_depth"

var lastDepth atomic.Pointer[gauge]

func (depthProvider) NewDepthMetric(name string) workqueue.GaugeMetric {
	g := &gauge{}
	if name == depthQueue {
		lastDepth.Store(g)
	}
	return g
}
func (depthProvider) NewAddsMetric(string) workqueue.CounterMetric           { return noop{} }
func (depthProvider) NewLatencyMetric(string) workqueue.HistogramMetric      { return noop{} }
func (depthProvider) NewWorkDurationMetric(string) workqueue.HistogramMetric { return noop{} }
func (depthProvider) NewUnfinishedWorkSecondsMetric(string) workqueue.SettableGaugeMetric {
	return noop{}
}
func (depthProvider) NewLongestRunningProcessorSecondsMetric(string) workqueue.SettableGaugeMetric {
	return noop{}
}
func (depthProvider) NewRetriesMetric(string) workqueue.CounterMetric { return noop{} }

// TestWorkersTakeEveryKey: with the cap in the queue, a namespace's place that comes free at a
// Done wakes no waiting worker; the worker that called Done takes the next key itself. Workers
// that run concurrently, as the controllers' do, still take every key, and never more of one
// namespace's at once than the cap.
func TestWorkersTakeEveryKey(t *testing.T) {
	const workers = 3
	q := NewRateLimiting("", workqueue.DefaultTypedControllerRateLimiter[string](), workers)
	var mu sync.Mutex
	running := map[string]int{}
	var left sync.WaitGroup
	for i := range 300 {
		left.Add(1)
		q.Add(fmt.Sprintf("ns-%d/k-%d", i%4, i))
	}
	var stopped sync.WaitGroup
	for range workers {
		stopped.Add(1)
		go func() {
			defer stopped.Done()
			for {
				key, quit := q.Get()
				if quit {
					return
				}
				ns := namespaceOf(key)
				mu.Lock()
				if running[ns]++; running[ns] > maxRunning(workers) {
					t.Errorf("%s holds %d workers", ns, running[ns])
				}
				mu.Unlock()
				// Other workers take keys here, while this one "runs".
				mu.Lock()
				running[ns]--
				mu.Unlock()
				q.Done(key)
				left.Done()
			}
		}()
	}
	left.Wait()
	q.ShutDown()
	stopped.Wait()
}
