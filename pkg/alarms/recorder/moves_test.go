package recorder

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clienttesting "k8s.io/client-go/testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/alarms"
)

// operatorClears does what `PATCH {"perceivedSeverity":5}` (spec.clearRequested) does to the
// stored record: the strategy marks it cleared now; the informer then sees the new version.
func (fx *fixture) operatorClears(name string, rv int) {
	fx.t.Helper()
	ctx := context.Background()
	api := fx.client.O2imsV1alpha1().AlarmEventRecords(inventoryNS)
	rec, err := api.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		fx.t.Fatal(err)
	}
	now := metav1.NewTime(fx.clock.Now().Truncate(time.Second))
	rec.Spec.ClearRequested = true
	rec.Status.PerceivedSeverity = v1alpha1.PerceivedSeverityCleared
	rec.Status.AlarmClearedTime, rec.Status.AlarmChangedTime = &now, now.DeepCopy()
	rec.ResourceVersion = strconv.Itoa(rv)
	if rec, err = api.Update(ctx, rec, metav1.UpdateOptions{}); err != nil {
		fx.t.Fatal(err)
	}
	if err := fx.records.GetIndexer().Update(rec); err != nil {
		fx.t.Fatal(err)
	}
}

func (fx *fixture) active() []v1alpha1.AlarmEventRecord {
	var out []v1alpha1.AlarmEventRecord
	for _, r := range fx.stored() {
		if r.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared {
			out = append(out, r)
		}
	}
	return out
}

// An AUTOMATIC fault that is still present (a node stays NotReady) is cleared by an operator,
// re-raised by the recorder as a new alarm (docs/alarms.md "Identity"), and cleared again. The
// third occurrence must be raised too; instead the recorder derives the id of the FIRST record
// again (o.Since, because the latest record's id is not the one derived from o.Since), the
// create is AlreadyExists on every attempt, and the fault is never recorded again: the node
// source retries forever, the Alertmanager webhook answers 500 forever.
func TestRegressionSecondOperatorClearOfAPresentFaultIsRaisedAgain(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	o := nodeDown(true, fx.clock.Now().Add(-time.Hour))
	if err := fx.rec.Observe(ctx, o); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 2; round++ {
		act := fx.active()
		if len(act) != 1 {
			t.Fatalf("round %d: %d active records, want 1", round, len(act))
		}
		fx.clock.SetTime(fx.clock.Now().Add(time.Minute))
		fx.operatorClears(act[0].Name, 100*round)
		fx.clock.SetTime(fx.clock.Now().Add(time.Minute))
		if err := fx.rec.Observe(ctx, o); err != nil {
			t.Fatalf("round %d: the still-present fault was not raised again after an operator clear: %v", round, err)
		}
	}
	if act := fx.active(); len(act) != 1 {
		t.Fatalf("%d active records after two clears of a present fault, want 1 (raised anew)", len(act))
	}
}

// uniqueIDs makes the fake API refuse, as netweave's Redis storage does (pkg/storage/redis
// unique.go: 409 Conflict), a create whose alarmEventRecordId another namespace's record holds.
func (fx *fixture) uniqueIDs() {
	fx.client.PrependReactor("create", "alarmeventrecords", func(a clienttesting.Action) (bool, runtime.Object, error) {
		rec := a.(clienttesting.CreateAction).GetObject().(*v1alpha1.AlarmEventRecord)
		all, err := fx.client.Tracker().List(v1alpha1.SchemeGroupVersion.WithResource("alarmeventrecords"),
			v1alpha1.SchemeGroupVersion.WithKind("AlarmEventRecord"), "")
		if err != nil {
			return true, nil, err
		}
		for _, o := range all.(*v1alpha1.AlarmEventRecordList).Items {
			if o.Spec.AlarmEventRecordID == rec.Spec.AlarmEventRecordID && o.Namespace != rec.Namespace {
				return true, nil, apierrors.NewConflict(schema.GroupResource{Group: v1alpha1.GroupName, Resource: "alarmeventrecords"}, rec.Name,
					errors.New("spec.alarmEventRecordId is held by another object"))
			}
		}
		return false, nil, nil
	})
}

// A node with an active fault (NotReady) is claimed by an admin pool of a node pool namespace:
// its Resource moves there, and LocateResources stores its alarms there from now on
// (docs/alarms.md "Who sees what"). The next observation of the very same occurrence derives
// the same id (RecordID of source/key/since), finds no record of the fault in the new
// namespace, and creates one with the id the old record (inventory namespace) still holds: the
// store refuses it (409), the re-read in the new namespace is NotFound, and the observation
// fails on every attempt. The Sync then clears the old record (a CLEAR for a node that is still
// down) and the fault is never raised where the Resource now is; the node source retries
// forever, an Alertmanager alert about the node answers 500 forever.
func TestRegressionAlarmMovesWithItsResource(t *testing.T) {
	const poolNS = "pool-a"
	fx := newFixture(t)
	fx.rec.cfg.Namespaces = func(ns string) bool { return ns == inventoryNS || ns == poolNS }
	fx.uniqueIDs()
	f := externalversions.NewSharedInformerFactory(fake.NewSimpleClientset(), 0)
	resources := f.O2ims().V1alpha1().O2Resources().Informer()
	located, err := LocateResources(fx.rec, resources)
	if err != nil {
		t.Fatal(err)
	}
	res := nodeResource(inventoryNS, "worker-1", nodeID)
	if err := resources.GetIndexer().Add(res); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	o := nodeDown(true, fx.clock.Now().Add(-time.Hour))
	if err := located.Observe(ctx, o); err != nil {
		t.Fatal(err)
	}
	// The operator's pool in poolNS claims the node: the sync moves its Resource.
	if err := resources.GetIndexer().Delete(res); err != nil {
		t.Fatal(err)
	}
	if err := resources.GetIndexer().Add(nodeResource(poolNS, "worker-1", nodeID)); err != nil {
		t.Fatal(err)
	}
	fx.clock.SetTime(fx.clock.Now().Add(time.Minute))
	obsErr := located.Observe(ctx, o)
	syncErr := located.Sync(ctx, "node-conditions", []alarms.Observation{o}, fx.clock.Now().Add(time.Second))
	if obsErr != nil || syncErr != nil {
		t.Errorf("observing the still-present fault after its Resource moved failed: observe %v; sync %v", obsErr, syncErr)
	}
	list, err := fx.client.O2imsV1alpha1().AlarmEventRecords("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, r := range list.Items {
		if r.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared {
			active++
		}
		t.Logf("%s/%s severity %d", r.Namespace, r.Name, r.Status.PerceivedSeverity)
	}
	if active != 1 {
		t.Errorf("%d active alarms for a node that is still down, want 1", active)
	}
}

// The Alertmanager resync reads the active alerts (asOf), and while it states them the webhook
// delivers the alert's resolution, which clears the alarm. The resync's Observe of what it read
// before then must not raise the resolved alert again: Sync guards only against clearing an
// alarm raised after asOf, while Observe treats a cleared record of the same occurrence as an
// operator's clear of a still-present AUTOMATIC fault and raises a NEW alarm (another id) for an
// alert that is resolved; it stays active until the next resync clears it (a NEW and a CLEAR
// for nothing, and a lingering unacknowledged record).
func TestRegressionResyncDoesNotReRaiseAnAlertResolvedWhileItRan(t *testing.T) {
	fx, firing := firingAlert(t)
	ctx := context.Background()
	asOf := fx.clock.Now() // the resync reads Alertmanager: the alert is still active
	fx.clock.SetTime(asOf.Add(2 * time.Second))
	resolved := firing
	resolved.Active, resolved.Since = false, fx.clock.Now()
	if err := fx.rec.Observe(ctx, resolved); err != nil { // the webhook: resolved
		t.Fatal(err)
	}
	fx.clock.SetTime(fx.clock.Now().Add(time.Second))
	if err := fx.rec.Sync(ctx, "alertmanager", []alarms.Observation{firing}, asOf); err != nil {
		t.Fatal(err)
	}
	if act := fx.active(); len(act) != 0 {
		t.Errorf("%d active alarms after the alert resolved, want 0: the resync re-raised %s", len(act), act[0].Name)
	}
}

// Alertmanager resolved an alert Prometheus stopped sending (resolve_timeout), then Prometheus
// came back with the alert's state restored: the webhook delivers it firing with its old
// startsAt. That occurrence was cleared by its source, but this observation is newer than the
// clear, so the alarm is raised anew (under the id of the clear), not taken for a stale read.
func TestFiringAgainWithTheOldStartAfterAResolutionIsRaised(t *testing.T) {
	fx, firing := firingAlert(t)
	ctx := context.Background()
	first := fx.active()[0].Name
	fx.clock.SetTime(fx.clock.Now().Add(5 * time.Minute))
	resolved := firing
	resolved.Active, resolved.Since = false, fx.clock.Now()
	if err := fx.rec.Observe(ctx, resolved); err != nil {
		t.Fatal(err)
	}
	fx.clock.SetTime(fx.clock.Now().Add(time.Minute))
	if err := fx.rec.Observe(ctx, firing); err != nil {
		t.Fatal(err)
	}
	act := fx.active()
	if len(act) != 1 || act[0].Name == first {
		t.Fatalf("active records %v after the alert fired again, want one new alarm (not %s)", act, first)
	}
}

// firingAlert is a fixture whose recorder has raised the alarm of a firing Alertmanager alert.
func firingAlert(t *testing.T) (*fixture, alarms.Observation) {
	fx := newFixture(t)
	firing := nodeDown(true, fx.clock.Now().Add(-time.Hour))
	firing.Source, firing.Key = "alertmanager", "0123456789abcdef"
	if err := fx.rec.Observe(context.Background(), firing); err != nil {
		t.Fatal(err)
	}
	return fx, firing
}
