package reachability

import (
	"context"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/alarmstest"
	"github.com/netweave-io/netweave/pkg/alarms/standard"
)

const (
	namespace = "o2ims-system"
	dmID      = "6b0bd7c4-4f5e-5f4a-9d1e-0c3c2a4f7e11"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	t      *testing.T
	client *fake.Clientset
	sink   *alarmstest.Sink
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	f := &fixture{t: t, client: fake.NewSimpleClientset(objs...), sink: alarmstest.NewSink()}
	factory := externalversions.NewSharedInformerFactory(f.client, 0)
	src := New(Config{Informers: factory, Namespace: namespace, Clock: clocktesting.NewFakeClock(t0.Add(time.Hour)), ResyncPeriod: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := src.Run(ctx, f.sink); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait(); factory.Shutdown() })
	return f
}

func manager(ns, name, id string, conds ...metav1.Condition) *v1alpha1.DeploymentManager {
	dm := &v1alpha1.DeploymentManager{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{v1alpha1.LabelCluster: name}},
		Spec:       v1alpha1.DeploymentManagerSpec{DeploymentManagerID: id, Name: name},
	}
	for _, c := range conds {
		meta.SetStatusCondition(&dm.Status.Conditions, c)
	}
	return dm
}

func reach(status metav1.ConditionStatus, since time.Time) metav1.Condition {
	return metav1.Condition{Type: v1alpha1.DeploymentManagerClusterReachable, Status: status, Reason: "r",
		Message: "dial tcp: connection refused", LastTransitionTime: metav1.NewTime(since)}
}

func (f *fixture) waitLatest(want func(alarms.Observation) bool) alarms.Observation {
	f.t.Helper()
	var got alarms.Observation
	f.sink.WaitFor(f.t, "observation of "+dmID, func() bool {
		o, ok := f.sink.Latest(Key(dmID))
		got = o
		return ok && want(o)
	})
	return got
}

func (f *fixture) update(dm *v1alpha1.DeploymentManager) {
	f.t.Helper()
	if _, err := f.client.O2imsV1alpha1().DeploymentManagers(dm.Namespace).Update(context.Background(), dm, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// An unreachable member raises CLUSTER_CRITICAL / CLUSTER_COMMUNICATION on its manager, with
// the outage's start as Since, and reachable again clears it with the same key.
func TestUnreachableRaisesAndClears(t *testing.T) {
	down := t0
	f := newFixture(t, manager(namespace, "edge-1", dmID, reach(metav1.ConditionFalse, down)))
	o := f.waitLatest(func(o alarms.Observation) bool { return o.Active })
	want := alarms.ObjectRef{Class: "DeploymentManager", ID: dmID, Namespace: namespace}
	if o.Object != want || o.Definition != "CLUSTER_CRITICAL" || o.ProbableCause != standard.ClusterCommunication ||
		o.Severity != alarms.SeverityCritical || !o.Since.Equal(down) || o.Source != Name || o.Extensions["memberCluster"] != "edge-1" {
		t.Errorf("observation %+v", o)
	}
	if _, ok := standard.LookupDefinition(o.Definition); !ok {
		t.Errorf("%s is not a standard definition", o.Definition)
	}

	up := t0.Add(time.Minute)
	f.update(manager(namespace, "edge-1", dmID, reach(metav1.ConditionTrue, up)))
	o = f.waitLatest(func(o alarms.Observation) bool { return !o.Active })
	if !o.Since.Equal(up) {
		t.Errorf("cleared since %v, want %v", o.Since, up)
	}
}

// The restatement after the initial list holds exactly the unreachable managers of the
// inventory namespace: a manager that is reachable, says nothing, or lives elsewhere is not
// active, so a stale alarm of it is cleared by the recorder.
func TestRestatementIsTheUnreachableSet(t *testing.T) {
	f := newFixture(t,
		manager(namespace, "edge-1", dmID, reach(metav1.ConditionFalse, t0)),
		manager(namespace, "edge-2", "11111111-2222-5333-8444-555555555555", reach(metav1.ConditionTrue, t0)),
		manager(namespace, "local", "21111111-2222-5333-8444-555555555555"),
		manager("tenant-a", "edge-3", "31111111-2222-5333-8444-555555555555", reach(metav1.ConditionFalse, t0)),
	)
	var syncs [][]alarms.Observation
	f.sink.WaitFor(t, "the first restatement", func() bool { syncs = f.sink.Syncs(); return len(syncs) > 0 })
	if len(syncs[0]) != 1 || syncs[0][0].Key != Key(dmID) || !syncs[0][0].Active {
		t.Errorf("restated %+v, want only edge-1 active", syncs[0])
	}
}

// A manager deleted while unreachable (its member unregistered) has its alarm cleared.
func TestRemovedManagerIsCleared(t *testing.T) {
	f := newFixture(t, manager(namespace, "edge-1", dmID, reach(metav1.ConditionFalse, t0)))
	f.waitLatest(func(o alarms.Observation) bool { return o.Active })
	if err := f.client.O2imsV1alpha1().DeploymentManagers(namespace).Delete(context.Background(), "edge-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.waitLatest(func(o alarms.Observation) bool { return !o.Active })
}

// TestRegressionReplacedManagerKeepsItsOldAlarm: a member re-registered while it was
// unreachable gets a new DeploymentManager of the same name and id, which an informer relist
// after a watch gap delivers as one update. The update handler looked at the condition and the
// id only, and the loop compared keys only, so the old manager's alarm carried on as the new
// one's, with the old raise time and alarm id. The old alarm is now cleared and the new
// manager's raised as another occurrence.
func TestRegressionReplacedManagerKeepsItsOldAlarm(t *testing.T) {
	old := manager(namespace, "edge-1", dmID, reach(metav1.ConditionFalse, t0))
	old.UID = "uid-old"
	f := newFixture(t, old)
	f.waitLatest(func(o alarms.Observation) bool { return o.Active })

	replaced := manager(namespace, "edge-1", dmID, reach(metav1.ConditionFalse, t0))
	replaced.UID = "uid-new"
	f.update(replaced)
	f.sink.WaitFor(t, "the old alarm cleared and the new one raised", func() bool {
		all := f.sink.All(Key(dmID))
		return len(all) >= 3 && all[len(all)-3].Active && !all[len(all)-2].Active && all[len(all)-1].Active
	})
}
