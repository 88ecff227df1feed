package nodes

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/alarmstest"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
)

const namespace = "o2ims-system"

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	t      *testing.T
	client *fake.Clientset
	sink   *alarmstest.Sink
	clock  *clocktesting.FakeClock
	ids    inventory.IDs
	source *Source
}

func newFixture(t *testing.T, nodes ...*corev1.Node) *fixture {
	t.Helper()
	ids, err := inventory.NewIDs("3f7c2a9e-2a7b-4f0e-9d54-1c6f3c8a9b10")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, sink: alarmstest.NewSink(), clock: clocktesting.NewFakeClock(t0), ids: ids}
	var objs []runtime.Object
	for _, n := range nodes {
		objs = append(objs, n)
	}
	f.client = fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(f.client, 0)
	f.source = New(Config{Informers: factory, IDs: ids, Namespace: namespace, Clock: f.clock, ResyncPeriod: time.Hour})
	return f
}

// run starts the source and stops it when the test ends.
func (f *fixture) run() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := f.source.Run(ctx, f.sink); err != nil {
			f.t.Errorf("Run: %v", err)
		}
	})
	f.t.Cleanup(func() { cancel(); wg.Wait() })
}

func node(name string, uid types.UID, conds ...corev1.NodeCondition) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: uid, Labels: map[string]string{"kubernetes.io/arch": "amd64"}},
		Status:     corev1.NodeStatus{Conditions: conds},
	}
}

func cond(t corev1.NodeConditionType, s corev1.ConditionStatus, reason string, since time.Time) corev1.NodeCondition {
	return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: reason + " message", LastTransitionTime: metav1.NewTime(since), LastHeartbeatTime: metav1.NewTime(since)}
}

func ready(since time.Time) corev1.NodeCondition {
	return cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", since)
}

// waitObserved waits for the latest observation of key to satisfy want.
func (f *fixture) waitObserved(key string, want func(alarms.Observation) bool) alarms.Observation {
	f.t.Helper()
	var got alarms.Observation
	f.sink.WaitFor(f.t, "observation "+key, func() bool {
		o, ok := f.sink.Latest(key)
		got = o
		return ok && want(o)
	})
	return got
}

func (f *fixture) update(n *corev1.Node) {
	f.t.Helper()
	if _, err := f.client.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

func active(o alarms.Observation) bool   { return o.Active }
func inactive(o alarms.Observation) bool { return !o.Active }

func TestNotReadyRaisesNodeDownOnTheNodesResource(t *testing.T) {
	down := t0.Add(-time.Minute)
	n := node("worker-1", "uid-1", cond(corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady", down))
	f := newFixture(t, n)
	f.run()

	o := f.waitObserved("uid-1/Ready", active)
	want := alarms.ObjectRef{Class: "Resource", ID: f.ids.Of("Node", "uid-1"), TypeID: kube.NodeKindOf(n).ID(f.ids), Namespace: namespace}
	if o.Object != want {
		t.Errorf("object = %+v, want %+v", o.Object, want)
	}
	if o.Definition != "CLUSTERNODE_CRITICAL" || o.ProbableCause != "NODE_DOWN" || o.Severity != alarms.SeverityCritical {
		t.Errorf("got %s/%s severity %d, want CLUSTERNODE_CRITICAL/NODE_DOWN critical", o.Definition, o.ProbableCause, o.Severity)
	}
	if o.Source != Name || !o.Since.Equal(down) || o.Text != "KubeletNotReady: KubeletNotReady message" {
		t.Errorf("source %q since %v text %q", o.Source, o.Since, o.Text)
	}

	// Ready again: the same key reported inactive, since the transition.
	back := t0.Add(time.Minute)
	n = n.DeepCopy()
	n.Status.Conditions = []corev1.NodeCondition{ready(back)}
	f.update(n)
	o = f.waitObserved("uid-1/Ready", inactive)
	if !o.Since.Equal(back) {
		t.Errorf("cleared since %v, want %v", o.Since, back)
	}
}

func TestReadyUnknownIsNodeDown(t *testing.T) {
	f := newFixture(t, node("worker-1", "uid-1", cond(corev1.NodeReady, corev1.ConditionUnknown, "NodeStatusUnknown", t0),
		cond(corev1.NodeMemoryPressure, corev1.ConditionUnknown, "NodeStatusUnknown", t0)))
	f.run()
	o := f.waitObserved("uid-1/Ready", active)
	if o.ProbableCause != "NODE_DOWN" || o.Extensions["status"] != "Unknown" {
		t.Errorf("got %s with status %q", o.ProbableCause, o.Extensions["status"])
	}
	// An unreachable node's pressure conditions turn Unknown too; NODE_DOWN says it all.
	f.waitObserved("uid-1/MemoryPressure", inactive)
}

func TestPressureConditions(t *testing.T) {
	for _, tc := range []struct {
		condition  corev1.NodeConditionType
		cause      string
		definition string
	}{
		{corev1.NodeMemoryPressure, "MEMORY_STATE", "CLUSTERNODE_MAJOR"},
		{corev1.NodeDiskPressure, "STORAGE_CAPACITY", "CLUSTERNODE_MAJOR"},
		{corev1.NodePIDPressure, "HOST_OS_ERROR", "CLUSTERNODE_MAJOR"},
		{corev1.NodeNetworkUnavailable, "NIC_CONFIGURATION", "CLUSTERNODE_CRITICAL"},
	} {
		t.Run(string(tc.condition), func(t *testing.T) {
			f := newFixture(t, node("worker-1", "uid-1", ready(t0), cond(tc.condition, corev1.ConditionTrue, "Pressure", t0)))
			f.run()
			o := f.waitObserved("uid-1/"+string(tc.condition), active)
			if o.ProbableCause != tc.cause || o.Definition != tc.definition {
				t.Errorf("got %s/%s, want %s/%s", o.Definition, o.ProbableCause, tc.definition, tc.cause)
			}
			if r, _ := f.sink.Latest("uid-1/Ready"); r.Active {
				t.Error("a Ready node is reported down")
			}
		})
	}
}

func TestDeletedNodeClearsItsAlarms(t *testing.T) {
	f := newFixture(t, node("worker-1", "uid-1", cond(corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady", t0)))
	f.run()
	f.waitObserved("uid-1/Ready", active)
	f.clock.Step(time.Minute)
	if err := f.client.CoreV1().Nodes().Delete(context.Background(), "worker-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	o := f.waitObserved("uid-1/Ready", inactive)
	if !o.Since.Equal(t0.Add(time.Minute)) || o.Object.ID != f.ids.Of("Node", "uid-1") {
		t.Errorf("cleared at %v on %s", o.Since, o.Object.ID)
	}
}

func TestSyncStatesExactlyTheActiveFaults(t *testing.T) {
	f := newFixture(t,
		node("worker-1", "uid-1", cond(corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady", t0), cond(corev1.NodeDiskPressure, corev1.ConditionTrue, "Full", t0)),
		node("worker-2", "uid-2", ready(t0), cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "Fine", t0)),
	)
	f.run()
	f.sink.WaitFor(t, "the initial sync", func() bool { return len(f.sink.Syncs()) == 1 })
	if got := keys(f.sink.Syncs()[0]); !equalSets(got, []string{"uid-1/Ready", "uid-1/DiskPressure"}) {
		t.Errorf("initial sync states %v", got)
	}

	// worker-1 recovers; the next periodic restatement leaves only its disk pressure.
	n, err := f.client.CoreV1().Nodes().Get(context.Background(), "worker-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Status.Conditions[0] = ready(t0.Add(time.Minute))
	f.update(n)
	f.waitObserved("uid-1/Ready", inactive)
	f.sink.WaitFor(t, "the resync ticker", func() bool { return f.clock.HasWaiters() })
	f.clock.Step(time.Hour)
	f.sink.WaitFor(t, "the periodic sync", func() bool { return len(f.sink.Syncs()) == 2 })
	if got := keys(f.sink.Syncs()[1]); !equalSets(got, []string{"uid-1/DiskPressure"}) {
		t.Errorf("periodic sync states %v", got)
	}
}

func TestSinkFailuresAreRetried(t *testing.T) {
	f := newFixture(t, node("worker-1", "uid-1", cond(corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady", t0)))
	f.sink.FailNext(3)
	f.run()
	f.waitObserved("uid-1/Ready", active)
	f.sink.WaitFor(t, "the initial sync", func() bool { return len(f.sink.Syncs()) >= 1 })
}

func TestHeartbeatsAreNotReportedAgain(t *testing.T) {
	old := node("worker-1", "uid-1", ready(t0))
	beat := old.DeepCopy()
	beat.Status.Conditions[0].LastHeartbeatTime = metav1.NewTime(t0.Add(time.Minute))
	if conditionsChanged(old, beat) {
		t.Error("a heartbeat counts as a change")
	}
	flip := old.DeepCopy()
	flip.Status.Conditions[0].Status = corev1.ConditionFalse
	if !conditionsChanged(old, flip) {
		t.Error("a status change does not count")
	}
}

func keys(obs []alarms.Observation) []string {
	var out []string
	for _, o := range obs {
		out = append(out, o.Key)
	}
	return out
}

func equalSets(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// failingKey is a sink whose recorder refuses the observations of one key (the API is
// unavailable for that write), and records the others.
type failingKey struct {
	*alarmstest.Sink
	key  string
	fail bool
}

func (s *failingKey) Observe(ctx context.Context, o alarms.Observation) error {
	if s.fail && o.Key == s.key {
		return alarmstest.ErrInjected
	}
	return s.Sink.Observe(ctx, o)
}

// A node whose report failed half-way (its NODE_DOWN raised, a later condition refused) and
// that is deleted before the retry must still have its alarms cleared: the retry finds the
// node gone, and the raised alarm must not wait for the next restatement.
func TestRegressionNodeDeletedAfterPartialReportKeepsAlarm(t *testing.T) {
	f := newFixture(t)
	n := node("worker-1", "uid-1", cond(corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady", t0))
	store := f.source.informer.GetIndexer()
	if err := store.Add(n); err != nil {
		t.Fatal(err)
	}
	sink := &failingKey{Sink: f.sink, key: "uid-1/MemoryPressure", fail: true}
	r := &run{Source: f.source, sink: sink, reported: map[string]reported{}}
	ctx := context.Background()
	if err := r.syncNode(ctx, "worker-1"); err == nil {
		t.Fatal("a refused observation was not reported as an error")
	}
	if o, ok := f.sink.Latest("uid-1/Ready"); !ok || !o.Active {
		t.Fatalf("NODE_DOWN not raised before the refused observation: %+v", o)
	}

	// The node goes before the retry; the recorder takes writes again.
	if err := store.Delete(n); err != nil {
		t.Fatal(err)
	}
	sink.fail = false
	f.clock.Step(time.Minute)
	if err := r.syncNode(ctx, "worker-1"); err != nil {
		t.Fatal(err)
	}
	if o, _ := f.sink.Latest("uid-1/Ready"); o.Active {
		t.Error("the deleted node's NODE_DOWN alarm is left raised until the next restatement")
	}
}

// sequenceSink records every observation in order, and refuses all of them while down (the
// recorder's API is unavailable).
type sequenceSink struct {
	*alarmstest.Sink
	mu   sync.Mutex
	down bool
	seq  []alarms.Observation
}

func (s *sequenceSink) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

func (s *sequenceSink) Observe(ctx context.Context, o alarms.Observation) error {
	s.mu.Lock()
	if s.down {
		s.mu.Unlock()
		return alarmstest.ErrInjected
	}
	s.seq = append(s.seq, o)
	s.mu.Unlock()
	return s.Sink.Observe(ctx, o)
}

// endedThenRaised reports whether key was reported ended at end and, after that, active since
// again.
func (s *sequenceSink) endedThenRaised(key string, end, again time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ended := false
	for _, o := range s.seq {
		switch {
		case o.Key != key:
		case !o.Active && o.Since.Equal(end):
			ended = true
		case ended && o.Active && o.Since.Equal(again):
			return true
		}
	}
	return false
}

// A node that goes Ready and NotReady again before the source reports it (the recorder was
// unavailable, or the loop busy) must have its first NODE_DOWN ended and a new one raised, with
// its own start: reading only the node's latest state, the flap was lost and the first alarm
// stood for both occurrences.
func TestRegressionNodeFlapWhileBusyIsOneAlarm(t *testing.T) {
	down := t0.Add(-time.Hour)
	n := node("worker-1", "uid-1", cond(corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady", down))
	f := newFixture(t, n)
	sink := &sequenceSink{Sink: f.sink}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := f.source.Run(ctx, sink); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	f.waitObserved("uid-1/Ready", active)

	sink.setDown(true)
	back, again := t0.Add(-30*time.Minute), t0.Add(-10*time.Minute)
	flap := n.DeepCopy()
	flap.Status.Conditions = []corev1.NodeCondition{ready(back)}
	f.update(flap)
	flap = flap.DeepCopy()
	flap.Status.Conditions = []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady", again)}
	f.update(flap)
	// The source can read nothing but the second NotReady from now on.
	if err := wait.PollUntilContextTimeout(context.Background(), time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		cur, err := f.source.nodes.Get("worker-1")
		return err == nil && condition(cur, corev1.NodeReady).LastTransitionTime.Equal(&metav1.Time{Time: again}), nil
	}); err != nil {
		t.Fatalf("the node cache never saw the second NotReady: %v", err)
	}
	sink.setDown(false)
	f.sink.WaitFor(t, "the first NODE_DOWN ended and the second raised", func() bool {
		return sink.endedThenRaised("uid-1/Ready", back, again)
	})
}
