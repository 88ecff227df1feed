package e2e

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/test/redisserver"
)

const (
	failoverNS     = "failover"
	sentinelMaster = "netweave"
	// recoverWait bounds each recovery: Sentinel needs about 1s (down-after) plus an election,
	// a Lease about its 4s duration; the rest is slack for a 2-core machine running all of it.
	recoverWait = 90 * time.Second
)

// TestRedisFailover is issue 10's item 3: the whole stack (kube-apiserver, a Redis primary
// with two replicas and three Sentinels, two netweave replicas electing one leader for the
// inventory sync and the notifier, SMO receivers) under a steady stream of writes (pools
// created through the generated clientset, Nodes the sync turns into Resources) and
// notifications, through two crashes: kill -9 of the Redis primary, then kill -9 of the
// netweave leader. netweave runs with --redis-min-replicas-ack=1, so a write is acknowledged
// only once a replica has it. After each fault:
//   - writes succeed again and notifications flow again (both timed from the fault);
//   - a watch opened before the fault either goes on delivering or ends, and an informer
//     sees the writes made after it;
//   - nothing is served that the store does not have;
//
// and at the end every acknowledged write is readable, every object in the store was notified
// at least once (counted by notificationId), and every Node has its Resource, notified too.
func TestRedisFailover(t *testing.T) {
	// Runs alone, before the parallel tests: see main_test.go.
	redis := redisserver.StartReplicated(t, redisserver.ReplicatedOptions{Master: sentinelMaster, Replicas: 2, Sentinels: 3})
	args := append([]string{
		"--redis-sentinel-master=" + sentinelMaster,
		"--redis-sentinel-addresses=" + strings.Join(redis.SentinelAddrs(), ","),
		"--redis-min-replicas-ack=1",
	}, append(invArgs(""), notifierArgs...)...)
	s := startStackOn(t, redis.Nodes[0], args...)
	cfg := s.cp.RESTConfig(localstack.Admin)
	o2 := versioned.NewForConfigOrDie(cfg)
	kube := kubernetes.NewForConfigOrDie(cfg)
	leases := []string{invLease, "netweave-notifier"}
	leads := func(m *metricsReader) error {
		for _, l := range leases {
			if v := m.value(t, "leader_election_master_status", fmt.Sprintf(`name=%q`, l)); v != 1 {
				return fmt.Errorf("does not lead %s (%v)", l, v)
			}
		}
		return nil
	}
	// The replica behind the APIService leads; the other one starts once it does.
	eventually(t, syncWait, "the first replica leads the sync and the notifier", func() error { return leads(s.metricsReader(t)) })
	b := s.startReplica(t, "replica-b", args...)
	eventually(t, syncWait, "replica-b is ready", func() error {
		if code := s.readyzClientAt(t, b.port)(); code != 200 {
			return fmt.Errorf("readyz %d", code)
		}
		return nil
	})

	pools, resources := newReceiver(t), newReceiver(t)
	s.subscribe(t, failoverNS, "smo-pools", pools, "")
	s.subscribe(t, invNS, "smo-resources", resources, "")
	rdb := goredis.NewFailoverClient(&goredis.FailoverOptions{MasterName: sentinelMaster, SentinelAddrs: redis.SentinelAddrs()})
	t.Cleanup(func() { _ = rdb.Close() })

	inf := startPoolInformer(t, o2)
	l := startLoad(o2, kube)
	defer l.stop()
	eventually(t, recoverWait, "writes and notifications flowing", func() error {
		acked := l.acked(time.Time{})
		if len(acked) < 10 {
			return fmt.Errorf("%d pools written", len(acked))
		}
		if len(pools.all()) < 5 {
			return fmt.Errorf("%d notifications", len(pools.all()))
		}
		return nil
	})

	sc := &faultScenario{t: t, l: l, o2: o2, rdb: rdb, pools: pools, inf: inf}
	var newPrimary *redisserver.Server
	sc.run("kill -9 of the Redis primary", func() time.Time {
		old, err := redis.Primary(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		old.Stop() // SIGKILL; returns once the process is gone
		at := time.Now()
		eventually(t, recoverWait, "Sentinel promotes a replica", func() error {
			p, err := redis.Primary(context.Background())
			if err != nil || p == old {
				return fmt.Errorf("primary %v (%v)", p, err)
			}
			newPrimary = p
			return nil
		})
		t.Logf("Sentinel promoted %s %s after the kill", newPrimary.Addr(), time.Since(at).Round(time.Millisecond))
		return at
	}, nil)
	if newPrimary == nil {
		t.Fatal("no new primary")
	}

	bMetrics := s.metricsReaderAt(t, b.port)
	var syncedAgain time.Time
	sc.run("kill -9 of the netweave leader", func() time.Time {
		if err := s.netweave.Kill(); err != nil { // SIGKILL; returns once the process is gone
			t.Fatal(err)
		}
		at := time.Now()
		// A Service drops the endpoint of a dead pod; here the APIService names one port,
		// so point it at the survivor.
		ctx, cancel := context.WithTimeout(context.Background(), recoverWait)
		defer cancel()
		if err := localstack.RegisterAPIService(ctx, cfg, b.port, s.cp.Serving.CABundle); err != nil {
			t.Fatal(err)
		}
		return at
	}, func() error {
		if err := leads(bMetrics); err != nil {
			return fmt.Errorf("replica-b %w", err)
		}
		// The sync works again: a Node created after the fault has its Resource.
		for _, n := range l.nodesSince(sc.faults[len(sc.faults)-1].at) {
			if _, err := o2.O2imsV1alpha1().O2Resources(invNS).Get(context.Background(), n, metav1.GetOptions{}); err == nil {
				if syncedAgain.IsZero() {
					syncedAgain = time.Now()
				}
				return nil
			}
		}
		return fmt.Errorf("no Resource yet for a Node created after the fault")
	})
	t.Logf("kill -9 of the netweave leader: replica-b leads; fault → a Node created after it has its Resource (polled) %s",
		syncedAgain.Sub(sc.faults[1].at).Round(time.Millisecond))

	l.stop()
	// Sentinel may change its mind under load (a second failover within the first): say so,
	// as the writes the first promoted replica took are then gone.
	if p, err := redis.Primary(context.Background()); err == nil && p != newPrimary {
		t.Logf("Sentinel's primary at the end is %s, not %s, which it promoted first", p.Addr(), newPrimary.Addr())
	}
	verifyAfterFaults(t, l, sc.faults, o2, rdb, pools, resources)
}

// faultScenario runs faults, one after the other, under a load and checks what each one
// left: TestRedisFailover's and TestRedisRestartUnderLoad's.
type faultScenario struct {
	t      *testing.T
	l      *load
	o2     versioned.Interface
	rdb    goredis.UniversalClient
	pools  *receiver
	inf    *poolInformer
	faults []*faultRun
}

// run opens a watch, runs fault (which returns once the process it killed is gone: that is
// when the clocks start), waits for recovered (when given), and checks that writes succeed
// again, that every write after the fault is notified, that the watch opened before is not
// stuck, that the informer sees the writes after the fault and that nothing stale is served.
func (sc *faultScenario) run(name string, fault func() time.Time, recovered func() error) *faultRun {
	t, l := sc.t, sc.l
	f := &faultRun{name: name}
	sc.faults = append(sc.faults, f)
	w := openWatch(t, sc.o2)
	f.at = fault()
	eventually(t, recoverWait, name+": 20 writes after the fault", func() error {
		if n := len(l.ackedSince(f.at)); n < 20 {
			return fmt.Errorf("%d acknowledged", n)
		}
		return nil
	})
	if recovered != nil {
		eventually(t, recoverWait, name+": recovered", recovered)
	}
	after := l.ackedSince(f.at)
	eventually(t, recoverWait, name+": notifications of the writes after the fault", func() error {
		if missing := missingCreates(sc.pools, names(after)); len(missing) > 0 {
			return fmt.Errorf("%d of %d not notified, e.g. %s", len(missing), len(after), missing[0])
		}
		return nil
	})
	eventually(t, recoverWait, name+": the watch opened before the fault is not stuck", func() error {
		return w.deliveredOrEnded(names(after))
	})
	f.watchEnded, f.watchEndCode = w.endedWith()
	w.stop()
	eventually(t, recoverWait, name+": the informer sees the writes after the fault", func() error {
		if missing := sc.inf.missing(names(after)); len(missing) > 0 {
			return fmt.Errorf("%d of %d not seen, e.g. %s", len(missing), len(after), missing[0])
		}
		return nil
	})
	checkNoStaleRead(t, name, sc.o2, sc.rdb)
	f.firstWrite = firstAck(l.ackedSince(f.at)).Sub(f.at)
	f.firstNotified = firstArrival(sc.pools, names(after)).Sub(f.at)
	t.Logf("%s: fault → first acknowledged write %s, → first notification of a write after it %s; %d writes failed with an unknown outcome: %s",
		name, f.firstWrite.Round(time.Millisecond), f.firstNotified.Round(time.Millisecond), len(l.failedSince(f.at)), errorSummary(l.failedSince(f.at)))
	return f
}

// faultRun is what one fault showed.
type faultRun struct {
	name          string
	at            time.Time
	firstWrite    time.Duration
	firstNotified time.Duration
	// watchEnded is how the watch opened before the fault ended ("" if it went on), with the
	// code of the Status it ended with (0 if none).
	watchEnded   string
	watchEndCode int32
}

// verifyAfterFaults checks, once the load stopped, that nothing acknowledged was lost and that
// everything the store has was notified, and reports the counts per window between faults.
func verifyAfterFaults(t *testing.T, l *load, faults []*faultRun, o2 versioned.Interface, rdb goredis.UniversalClient, pools, resources *receiver) {
	ctx := context.Background()
	stored := storedPools(t, rdb)
	acked := l.acked(time.Time{})
	lost := map[string]bool{}
	for _, a := range acked {
		if _, err := o2.O2imsV1alpha1().ResourcePools(failoverNS).Get(ctx, a.name, metav1.GetOptions{}); err != nil {
			lost[a.name] = true
			t.Errorf("acknowledged write of pool %s (at %s) not readable: %v", a.name, a.end.Format(time.StampMilli), err)
		}
		if !stored[a.name] {
			t.Errorf("acknowledged write of pool %s not in Redis", a.name)
		}
	}
	var all []string
	for n := range stored {
		all = append(all, n)
	}
	sort.Strings(all)
	eventually(t, recoverWait, "a CREATE notification of every pool in the store", func() error {
		if missing := missingCreates(pools, all); len(missing) > 0 {
			return fmt.Errorf("%d of %d not notified, e.g. %s", len(missing), len(all), missing[0])
		}
		return nil
	})
	// Every Node has its Resource, and its CREATE was notified.
	resourceIDs := map[string]string{}
	eventually(t, recoverWait, "a Resource for every Node", func() error {
		for _, n := range l.nodeNames() {
			if resourceIDs[n] != "" {
				continue
			}
			r, err := o2.O2imsV1alpha1().O2Resources(invNS).Get(ctx, n, metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("resource %s: %v", n, err)
			}
			resourceIDs[n] = r.Spec.ResourceID
		}
		return nil
	})
	eventually(t, recoverWait, "a CREATE notification of every Node's Resource", func() error {
		created := map[string]bool{}
		for _, n := range resources.all() {
			if eventType(n) == 0 {
				created[resourceIDOf(n.body)] = true
			}
		}
		for n, id := range resourceIDs {
			if !created[id] {
				return fmt.Errorf("no CREATE of the Resource of %s", n)
			}
		}
		return nil
	})

	// Counts per window: from the start, and from each fault to the next.
	windows := append([]time.Time{{}}, func() []time.Time {
		var ts []time.Time
		for _, f := range faults {
			ts = append(ts, f.at)
		}
		return ts
	}()...)
	label := func(i int) string {
		if i == 0 {
			return "before the faults"
		}
		return "after " + faults[i-1].name
	}
	for i, from := range windows {
		to := time.Time{}
		if i+1 < len(windows) {
			to = windows[i+1]
		}
		in := func(a attempt) bool { return !a.start.Before(from) && (to.IsZero() || a.start.Before(to)) }
		var ok, failed []attempt
		for _, a := range l.poolAttempts() {
			if !in(a) {
				continue
			}
			if a.err == nil {
				ok = append(ok, a)
			} else {
				failed = append(failed, a)
			}
		}
		kept, lostHere := 0, 0
		for _, a := range failed {
			if stored[a.name] {
				kept++
			}
		}
		for _, a := range ok {
			if lost[a.name] {
				lostHere++
			}
		}
		deliveries, dupIDs, dupChanges := duplicates(pools, names(ok))
		t.Logf("%s: %d pool writes acknowledged, %d lost; %d failed (outcome unknown), %d of them in the store; "+
			"%d CREATE deliveries of the acknowledged ones, %d redelivered notificationIds, %d changes notified under two ids",
			label(i), len(ok), lostHere, len(failed), kept, deliveries, dupIDs, dupChanges)
	}
	rDeliveries, rDupIDs, _ := duplicates(resources, nil)
	t.Logf("Resources: %d Nodes, %d Resources, %d notifications to their subscription, %d redelivered notificationIds; %d acknowledged pool writes lost in all",
		len(l.nodeNames()), len(resourceIDs), rDeliveries, rDupIDs, len(lost))
}

// load writes at a steady rate and records every attempt: two writers each create a pool in
// failoverNS every 150ms through the generated clientset, one creates a Node (which the sync
// turns into a Resource) every second through kube-apiserver.
type load struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	pools []attempt
	nodes []attempt
}

// attempt is one write: when it was sent, when it was answered and how.
type attempt struct {
	name       string
	start, end time.Time
	err        error
}

func startLoad(o2 versioned.Interface, kube kubernetes.Interface) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{cancel: cancel}
	pace := func(every time.Duration, write func(i int) attempt, record func(attempt)) {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			tick := time.NewTicker(every) // pacing, not synchronisation: a write per tick
			defer tick.Stop()
			for i := 0; ; i++ {
				record(write(i))
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		}()
	}
	for w := range 2 {
		pace(150*time.Millisecond, func(i int) attempt {
			a := attempt{name: fmt.Sprintf("p-%d-%d", w, i), start: time.Now()}
			rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			_, a.err = o2.O2imsV1alpha1().ResourcePools(failoverNS).Create(rctx, &o2v1.ResourcePool{
				ObjectMeta: metav1.ObjectMeta{Name: a.name, Namespace: failoverNS},
				Spec:       o2v1.ResourcePoolSpec{Name: a.name}}, metav1.CreateOptions{})
			a.end = time.Now()
			return a
		}, func(a attempt) {
			if ctx.Err() == nil || a.err == nil {
				l.mu.Lock()
				l.pools = append(l.pools, a)
				l.mu.Unlock()
			}
		})
	}
	pace(time.Second, func(i int) attempt {
		a := attempt{name: fmt.Sprintf("fo-n%d", i), start: time.Now()}
		a.err = createNode(ctx, kube, a.name)
		a.end = time.Now()
		return a
	}, func(a attempt) {
		if a.err == nil {
			l.mu.Lock()
			l.nodes = append(l.nodes, a)
			l.mu.Unlock()
		}
	})
	return l
}

// stop ends the load and waits for the writes in flight. It is idempotent.
func (l *load) stop() {
	l.cancel()
	l.wg.Wait()
}

func (l *load) poolAttempts() []attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.pools)
}

// acked are the pool writes acknowledged after since.
func (l *load) acked(since time.Time) []attempt {
	var out []attempt
	for _, a := range l.poolAttempts() {
		if a.err == nil && a.end.After(since) {
			out = append(out, a)
		}
	}
	return out
}

// ackedSince are the pool writes sent after t and acknowledged.
func (l *load) ackedSince(t time.Time) []attempt {
	var out []attempt
	for _, a := range l.acked(t) {
		if !a.start.Before(t) {
			out = append(out, a)
		}
	}
	return out
}

func (l *load) failedSince(t time.Time) []attempt {
	var out []attempt
	for _, a := range l.poolAttempts() {
		if a.err != nil && !a.start.Before(t) {
			out = append(out, a)
		}
	}
	return out
}

func (l *load) nodeNames() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return names(l.nodes)
}

func (l *load) nodesSince(t time.Time) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, a := range l.nodes {
		if !a.start.Before(t) {
			out = append(out, a.name)
		}
	}
	return out
}

// errorSummary counts the distinct errors of failed attempts.
func errorSummary(as []attempt) string {
	count := map[string]int{}
	for _, a := range as {
		// The same error about another object is the same error.
		count[strings.ReplaceAll(a.err.Error(), a.name, "<name>")]++
	}
	var out []string
	for e, n := range count {
		out = append(out, fmt.Sprintf("%d× %q", n, e))
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

func names(as []attempt) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.name
	}
	return out
}

func firstAck(as []attempt) time.Time {
	var first time.Time
	for _, a := range as {
		if first.IsZero() || a.end.Before(first) {
			first = a.end
		}
	}
	return first
}

// createNode creates a ready Node in zone-fo; unlike invClients.createNode it returns its
// error, as it runs outside the test goroutine.
func createNode(ctx context.Context, kube kubernetes.Interface, name string) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			"topology.kubernetes.io/zone":      "zone-fo",
			"topology.kubernetes.io/region":    "e2e-region",
			"node.kubernetes.io/instance-type": "small",
			"kubernetes.io/arch":               "amd64",
		}},
		Status: corev1.NodeStatus{
			Capacity:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi")},
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", LastTransitionTime: metav1.Now()}},
			NodeInfo:   corev1.NodeSystemInfo{SystemUUID: "uuid-" + name, Architecture: "amd64", OperatingSystem: "linux"},
		},
	}
	created, err := kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	created.Status = node.Status
	_, err = kube.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{})
	return err
}

// missingCreates are the pools among want that r has no CREATE notification of.
func missingCreates(r *receiver, want []string) []string {
	return missingCreatesSince(r, want, time.Time{})
}

// firstArrival is when the first CREATE notification of any of the pools arrived.
func firstArrival(r *receiver, pools []string) time.Time {
	want := map[string]bool{}
	for _, p := range pools {
		want[p] = true
	}
	var first time.Time
	for _, n := range r.all() {
		if eventType(n) == 0 && want[stateName(n.body)] && (first.IsZero() || n.at.Before(first)) {
			first = n.at
		}
	}
	return first
}

// duplicates counts, among the notifications about the given pools (all when nil): the
// deliveries, the deliveries of a notificationId beyond its first (redeliveries, which the
// receiver deduplicates), and the changes (object and event type) notified under more than
// one notificationId (which it cannot).
func duplicates(r *receiver, pools []string) (deliveries, redelivered, twice int) {
	var want map[string]bool
	if pools != nil {
		want = map[string]bool{}
		for _, p := range pools {
			want[p] = true
		}
	}
	seen := map[string]int{}
	ids := map[string]map[string]bool{}
	for _, n := range r.all() {
		name := stateName(n.body)
		if want != nil && !want[name] {
			continue
		}
		deliveries++
		id, _ := n.body["notificationId"].(string)
		if seen[id]++; seen[id] > 1 {
			redelivered++
		}
		change := fmt.Sprintf("%s/%s/%d", name, resourceIDOf(n.body), eventType(n))
		if ids[change] == nil {
			ids[change] = map[string]bool{}
		}
		ids[change][id] = true
	}
	for _, set := range ids {
		if len(set) > 1 {
			twice++
		}
	}
	return deliveries, redelivered, twice
}

// storedPools reads the names of the pools of failoverNS straight from Redis (the primary,
// through Sentinel): the store's truth, to compare what netweave serves with.
func storedPools(t *testing.T, rdb goredis.UniversalClient) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	ctx := context.Background()
	var last error
	eventually(t, recoverWait, "scan Redis", func() error {
		clear(out)
		iter := rdb.Scan(ctx, 0, "{e2e}:o:*/resourcepools/"+failoverNS+"/*", 1000).Iterator()
		for iter.Next(ctx) {
			out[path.Base(iter.Val())] = true
		}
		last = iter.Err()
		return last
	})
	return out
}

// checkNoStaleRead lists the pools through netweave, from its cache (resourceVersion 0) and
// consistently, then reads Redis: pools are only ever created, so whatever netweave listed
// must be in Redis when read afterwards. An object that is not was served from a store that
// went back.
func checkNoStaleRead(t *testing.T, phase string, o2 versioned.Interface, rdb goredis.UniversalClient) {
	t.Helper()
	ctx := context.Background()
	var served []string
	for _, rv := range []string{"0", ""} {
		list, err := o2.O2imsV1alpha1().ResourcePools(failoverNS).List(ctx, metav1.ListOptions{ResourceVersion: rv})
		if err != nil {
			t.Fatalf("%s: list pools (resourceVersion %q): %v", phase, rv, err)
		}
		for _, p := range list.Items {
			served = append(served, p.Name)
		}
	}
	stored := storedPools(t, rdb)
	for _, n := range served {
		if !stored[n] {
			t.Errorf("%s: netweave serves pool %s, which Redis does not have", phase, n)
		}
	}
}

// poolInformer is a client-go informer on the pools of failoverNS, as a controller would run
// it; it records every pool it was told of.
type poolInformer struct {
	store cache.Store

	mu   sync.Mutex
	seen map[string]bool
}

func startPoolInformer(t *testing.T, o2 versioned.Interface) *poolInformer {
	t.Helper()
	p := &poolInformer{seen: map[string]bool{}}
	factory := externalversions.NewSharedInformerFactoryWithOptions(o2, 0, externalversions.WithNamespace(failoverNS))
	inf := factory.O2ims().V1alpha1().ResourcePools().Informer()
	p.store = inf.GetStore()
	record := func(obj any) {
		if pool, ok := obj.(*o2v1.ResourcePool); ok {
			p.mu.Lock()
			p.seen[pool.Name] = true
			p.mu.Unlock()
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: record, UpdateFunc: func(_, o any) { record(o) }}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	factory.Start(stop)
	ctx, cancel := context.WithTimeout(context.Background(), syncWait)
	defer cancel()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("the pool informer did not sync")
	}
	return p
}

// current are the names of the pools in the informer's cache.
func (p *poolInformer) current() []string {
	var out []string
	for _, o := range p.store.List() {
		if pool, ok := o.(*o2v1.ResourcePool); ok {
			out = append(out, pool.Name)
		}
	}
	return out
}

func (p *poolInformer) missing(want []string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, w := range want {
		if !p.seen[w] {
			out = append(out, w)
		}
	}
	return out
}

// rawWatch is a plain watch on the pools of failoverNS, opened before a fault.
type rawWatch struct {
	w watch.Interface

	mu     sync.Mutex
	added  map[string]bool
	ended  bool
	reason string
	// code is the HTTP code of the Status it ended with, 0 if none.
	code int32
}

func openWatch(t *testing.T, o2 versioned.Interface) *rawWatch {
	t.Helper()
	w, err := o2.O2imsV1alpha1().ResourcePools(failoverNS).Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := &rawWatch{w: w, added: map[string]bool{}}
	go func() {
		for ev := range w.ResultChan() {
			r.mu.Lock()
			switch ev.Type {
			case watch.Added:
				if p, ok := ev.Object.(*o2v1.ResourcePool); ok {
					r.added[p.Name] = true
				}
			case watch.Error:
				r.ended, r.reason = true, fmt.Sprintf("error event %v", ev.Object)
				if st, ok := ev.Object.(*metav1.Status); ok {
					r.code = st.Code
				}
			}
			r.mu.Unlock()
		}
		r.mu.Lock()
		if !r.ended {
			r.ended, r.reason = true, "closed"
		}
		r.mu.Unlock()
	}()
	t.Cleanup(w.Stop)
	return r
}

// deliveredOrEnded is nil once the watch delivered every pool of want, or ended (after which
// a client relists).
func (r *rawWatch) deliveredOrEnded(want []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return nil
	}
	for _, w := range want {
		if !r.added[w] {
			return fmt.Errorf("open, and has not delivered %s", w)
		}
	}
	return nil
}

// endedWith is how the watch ended, "" while it is open, and the code of the Status it ended
// with (0 if none).
func (r *rawWatch) endedWith() (string, int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reason, r.code
}

func (r *rawWatch) stop() { r.w.Stop() }

// TestStoreWipeUnderLoad is the failover scenario's counterpart for item 1's wipe: a Redis
// without persistence restarts empty (kill -9, data gone, same address) under the same steady
// load of pool writes and Nodes. What was written before is gone by design; the test counts
// it and checks the rest: writes succeed again, the watch opened before ends (nothing it
// described exists), the informer relists to what the store has, nothing vanished is served,
// the sync re-creates a Resource for every Node, the notifier reports the two subscriptions
// the wipe took, and once their owner creates them again each hears of every pool that
// vanished (DELETE) and every pool written since (CREATE).
func TestStoreWipeUnderLoad(t *testing.T) {
	// Runs alone, before the parallel tests: see main_test.go.
	ls := startLoadedStack(t, 30, 10)
	s, o2, pools, resources, rdb, metrics, inf, l := ls.s, ls.o2, ls.pools, ls.resources, ls.rdb, ls.metrics, ls.inf, ls.l
	w := openWatch(t, o2)
	// The clocks start at the kill; writes sent once Redis is back empty are the ones that
	// must not be lost, and writes acknowledged before the kill are the ones the wipe took.
	at := time.Now()
	s.redis.Wipe() // kill -9, data directory removed, started again empty
	back := time.Now()
	var wiped []string
	for _, a := range l.acked(time.Time{}) {
		if a.end.Before(at) {
			wiped = append(wiped, a.name)
		}
	}

	eventually(t, recoverWait, "20 writes after the wipe", func() error {
		if n := len(l.ackedSince(back)); n < 20 {
			return fmt.Errorf("%d acknowledged", n)
		}
		return nil
	})
	firstWrite := firstAck(l.acked(back)).Sub(at) // acknowledged by the new, empty Redis
	eventually(t, recoverWait, "the watch opened before the wipe ends", func() error {
		w.mu.Lock()
		defer w.mu.Unlock()
		if !w.ended {
			return fmt.Errorf("still open")
		}
		return nil
	})
	t.Logf("wipe: the watch opened before it ended: %s", w.reason)
	after := names(l.ackedSince(back))
	eventually(t, recoverWait, "the informer holds what the store has", func() error {
		if missing := inf.missing(after); len(missing) > 0 {
			return fmt.Errorf("%d of %d writes after the wipe not seen, e.g. %s", len(missing), len(after), missing[0])
		}
		stored := storedPools(t, rdb)
		for _, n := range inf.current() {
			if !stored[n] {
				return fmt.Errorf("the informer still holds %s, which the wipe took", n)
			}
		}
		return nil
	})
	checkNoStaleRead(t, "wipe", o2, rdb)
	if n := metrics.value(t, "netweave_redis_storage_resets_total", `reason="epoch"`); n == 0 {
		t.Error(`netweave_redis_storage_resets_total{reason="epoch"} is 0 after the wipe`)
	}
	eventually(t, recoverWait, "the notifier re-baselines", func() error {
		if n := metrics.value(t, "netweave_notifier_rebaselines_total", `kind="ResourcePool"`); n == 0 {
			return errors.New(`netweave_notifier_rebaselines_total{kind="ResourcePool"} is 0`)
		}
		return nil
	})
	eventually(t, recoverWait, "the notifier reports both subscriptions lost", func() error {
		if n := metrics.value(t, "netweave_notifier_subscriptions_lost_total", `kind="InventorySubscription"`); n != 2 {
			return fmt.Errorf("netweave_notifier_subscriptions_lost_total %v, want 2", n)
		}
		return nil
	})
	// Their owner creates them again, as it would on finding them gone.
	resubscribed := time.Now()
	s.subscribe(t, failoverNS, "smo-pools", pools, "")
	s.subscribe(t, invNS, "smo-resources", resources, "")
	var firstNotified time.Duration
	eventually(t, recoverWait, "notifications of writes after the wipe", func() error {
		first := firstArrivalSince(pools, names(l.ackedSince(back)), resubscribed)
		if first.IsZero() {
			return fmt.Errorf("none yet")
		}
		firstNotified = first.Sub(at)
		return nil
	})
	eventually(t, recoverWait, "a Resource for every Node again", func() error {
		for _, n := range l.nodeNames() {
			if _, err := o2.O2imsV1alpha1().O2Resources(invNS).Get(context.Background(), n, metav1.GetOptions{}); err != nil {
				return fmt.Errorf("resource %s: %v", n, err)
			}
		}
		return nil
	})
	resynced := time.Since(at)
	l.stop()

	stored := storedPools(t, rdb)
	lostAfter := 0
	for _, a := range l.ackedSince(back) {
		if !stored[a.name] {
			lostAfter++
			t.Errorf("pool %s, acknowledged after the wipe, is not in the store", a.name)
		}
	}
	var all []string
	for n := range stored {
		all = append(all, n)
	}
	sort.Strings(all)
	eventually(t, recoverWait, "the re-created subscription hears of every pool in the store (CREATE)", func() error {
		if missing := missingCreatesSince(pools, all, resubscribed); len(missing) > 0 {
			return fmt.Errorf("%d of %d not notified, e.g. %s", len(missing), len(all), missing[0])
		}
		return nil
	})
	eventually(t, recoverWait, "the re-created subscription hears of every pool the wipe took (DELETE)", func() error {
		var missing []string
		for _, n := range wiped {
			if stored[n] {
				continue
			}
			if len(deletesOf(pools, n)) == 0 {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%d of %d without a DELETE, e.g. %s", len(missing), len(wiped), missing[0])
		}
		return nil
	})
	deliveries, redelivered, twice := duplicates(pools, nil)
	t.Logf("wipe: Redis back empty after %s; fault → first acknowledged write %s, → both subscriptions reported lost and created again %s, "+
		"→ the re-created subscription hears of a write %s, → every Node's Resource re-created %s; "+
		"%d pools acknowledged before (all gone by design, each DELETE notified), %d sent after Redis was back, %d of those lost; %d failed with an unknown outcome: %s; "+
		"pool notifications: %d deliveries, %d redelivered notificationIds, %d changes under two ids",
		back.Sub(at).Round(time.Millisecond), firstWrite.Round(time.Millisecond), resubscribed.Sub(at).Round(time.Millisecond),
		firstNotified.Round(time.Millisecond), resynced.Round(time.Millisecond),
		len(wiped), len(l.ackedSince(back)), lostAfter, len(l.failedSince(at)), errorSummary(l.failedSince(at)),
		deliveries, redelivered, twice)
}

// loadedStack is one netweave (inventory sync and notifier) on a standalone Redis, two SMO
// receivers subscribed to the pools' and the sync's namespaces, a pool informer, and the
// failover load running: what TestStoreWipeUnderLoad and TestRedisRestartUnderLoad start from.
type loadedStack struct {
	s                *stack
	o2               versioned.Interface
	pools, resources *receiver
	rdb              *goredis.Client
	metrics          *metricsReader
	inf              *poolInformer
	l                *load
}

// scenario is a fault scenario under the stack's load.
func (ls *loadedStack) scenario(t *testing.T) *faultScenario {
	return &faultScenario{t: t, l: ls.l, o2: ls.o2, rdb: ls.rdb, pools: ls.pools, inf: ls.inf}
}

// startLoadedStack starts it and returns once writes pools were acknowledged and the pools'
// receiver has notifications of them; the load stops when the test ends, if not before.
func startLoadedStack(t *testing.T, writes, notifications int) *loadedStack {
	s := startStack(t, append(invArgs(""), notifierArgs...)...)
	cfg := s.cp.RESTConfig(localstack.Admin)
	ls := &loadedStack{s: s, o2: versioned.NewForConfigOrDie(cfg), pools: newReceiver(t), resources: newReceiver(t),
		rdb: goredis.NewClient(&goredis.Options{Addr: s.redis.Addr()}), metrics: s.metricsReader(t)}
	t.Cleanup(func() { _ = ls.rdb.Close() })
	s.subscribe(t, failoverNS, "smo-pools", ls.pools, "")
	s.subscribe(t, invNS, "smo-resources", ls.resources, "")
	ls.inf = startPoolInformer(t, ls.o2)
	ls.l = startLoad(ls.o2, kubernetes.NewForConfigOrDie(cfg))
	t.Cleanup(ls.l.stop)
	eventually(t, recoverWait, "writes and notifications flowing", func() error {
		if n := len(ls.l.acked(time.Time{})); n < writes {
			return fmt.Errorf("%d pools written", n)
		}
		if n := len(ls.pools.all()); n < notifications {
			return fmt.Errorf("%d notifications", n)
		}
		return nil
	})
	return ls
}

// firstArrivalSince is firstArrival among the notifications that arrived after t.
func firstArrivalSince(r *receiver, pools []string, t time.Time) time.Time {
	want := map[string]bool{}
	for _, p := range pools {
		want[p] = true
	}
	var first time.Time
	for _, n := range r.all() {
		if eventType(n) == 0 && want[stateName(n.body)] && n.at.After(t) && (first.IsZero() || n.at.Before(first)) {
			first = n.at
		}
	}
	return first
}

// missingCreatesSince are the pools among want that r has no CREATE notification of that
// arrived after t.
func missingCreatesSince(r *receiver, want []string, t time.Time) []string {
	created := map[string]bool{}
	for _, n := range r.all() {
		if eventType(n) == 0 && n.at.After(t) {
			created[stateName(n.body)] = true
		}
	}
	var out []string
	for _, w := range want {
		if !created[w] {
			out = append(out, w)
		}
	}
	return out
}
