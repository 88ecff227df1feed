package recorder

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/dictionary"
	"github.com/netweave-io/netweave/pkg/alarms/standard"
	"github.com/netweave-io/netweave/pkg/inventory"
)

const (
	inventoryNS = "o2ims-system"
	oCloudID    = "5d2a5a0e-6a4f-4e64-8a58-7a4f2f0f4d11"
	nodeID      = "0d8f2a8c-1b8f-5c1e-9d3e-3f6f7a9b2c41"
	typeID      = "9b0f3a5e-7c1d-5e2f-8a4b-6c7d8e9f0a12"
)

// fixture is a recorder over a fake clientset whose informers never run: the test puts in
// the indexers what "the informer has seen", so the recorder's own memory of its writes is
// what bridges the gap, as it must while a real informer lags.
type fixture struct {
	t       *testing.T
	client  *fake.Clientset
	records cache.SharedIndexInformer
	dicts   cache.SharedIndexInformer
	clock   *clocktesting.FakePassiveClock
	rec     *Recorder
	ids     inventory.IDs
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureKnowing(t, nil)
}

// newFixtureKnowing is newFixture with known resolving what the stored dictionaries do not.
func newFixtureKnowing(t *testing.T, known KnownDefinitions) *fixture {
	t.Helper()
	client := fake.NewSimpleClientset()
	f := externalversions.NewSharedInformerFactory(client, 0)
	ids, err := inventory.NewIDs(oCloudID)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{
		t: t, client: client, ids: ids,
		records: f.O2ims().V1alpha1().AlarmEventRecords().Informer(),
		dicts:   f.O2ims().V1alpha1().AlarmDictionaries().Informer(),
		clock:   clocktesting.NewFakePassiveClock(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)),
	}
	defs, err := NewDictionaryDefinitions(fx.dicts, inventoryNS, known)
	if err != nil {
		t.Fatal(err)
	}
	fx.rec, err = New(Config{Client: client.O2imsV1alpha1(), Records: fx.records, Definitions: defs, IDs: ids, Clock: fx.clock,
		Namespaces: func(ns string) bool { return ns == inventoryNS }})
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.dicts.GetIndexer().Add(standardDictionary()); err != nil {
		t.Fatal(err)
	}
	return fx
}

func standardDictionary() *v1alpha1.AlarmDictionary {
	return &v1alpha1.AlarmDictionary{
		ObjectMeta: metav1.ObjectMeta{Namespace: inventoryNS, Name: "o-cloud-standard"},
		Spec: v1alpha1.AlarmDictionarySpec{
			AlarmDictionaryID: "6f1b7f7e-2d5c-5b8a-9c4d-1e2f3a4b5c6d",
			AlarmDefinitions: []v1alpha1.AlarmDefinition{{
				AlarmDefinitionID: "7a2c8e9f-3b4d-5c6e-8f9a-0b1c2d3e4f5a", AlarmName: "CLUSTERNODE_CRITICAL", ClearingType: v1alpha1.ClearingTypeAutomatic,
			}},
			ProbableCauses: []v1alpha1.ProbableCause{{ProbableCauseID: "8b3d9fa0-4c5e-5d6f-9a0b-1c2d3e4f5a6b", ProbableCauseCode: "NODE_DOWN"}},
		},
	}
}

func nodeDown(active bool, since time.Time) alarms.Observation {
	return alarms.Observation{
		Source: "node-conditions", Key: "node-uid/Ready",
		Object:     alarms.ObjectRef{Class: "Resource", ID: nodeID, TypeID: typeID, Namespace: inventoryNS},
		Definition: "CLUSTERNODE_CRITICAL", ProbableCause: "NODE_DOWN",
		Severity: alarms.SeverityCritical, Active: active, Since: since, Text: "NodeStatusUnknown: Kubelet stopped posting node status.",
	}
}

func (fx *fixture) stored() []v1alpha1.AlarmEventRecord {
	fx.t.Helper()
	list, err := fx.client.O2imsV1alpha1().AlarmEventRecords(inventoryNS).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		fx.t.Fatal(err)
	}
	return list.Items
}

func (fx *fixture) writes() (creates, statusUpdates int) {
	for _, a := range fx.client.Actions() {
		switch {
		case a.Matches("create", "alarmeventrecords"):
			creates++
		case a.Matches("update", "alarmeventrecords") && a.GetSubresource() == "status":
			statusUpdates++
		}
	}
	return creates, statusUpdates
}

func TestRaiseRecordsTheAlarmWithItsDictionaryIDsAndAStableID(t *testing.T) {
	fx := newFixture(t)
	since := fx.clock.Now().Add(-time.Minute)
	if err := fx.rec.Observe(context.Background(), nodeDown(true, since)); err != nil {
		t.Fatal(err)
	}
	got := fx.stored()
	if len(got) != 1 {
		t.Fatalf("%d records, want 1", len(got))
	}
	r := got[0]
	wantID := alarms.RecordID(fx.ids, "node-conditions", "node-uid/Ready", since)
	if r.Name != wantID || r.Spec.AlarmEventRecordID != wantID {
		t.Errorf("record %s id %s, want both %s (derived, so a wiped store re-syncs to the same id)", r.Name, r.Spec.AlarmEventRecordID, wantID)
	}
	if r.Spec.AlarmDictionaryID != "6f1b7f7e-2d5c-5b8a-9c4d-1e2f3a4b5c6d" || r.Spec.AlarmDefinitionID != "7a2c8e9f-3b4d-5c6e-8f9a-0b1c2d3e4f5a" ||
		r.Spec.ProbableCauseID != "8b3d9fa0-4c5e-5d6f-9a0b-1c2d3e4f5a6b" {
		t.Errorf("dictionary ids %+v", r.Spec)
	}
	if r.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCritical || r.Status.AlarmRaisedTime == nil || !r.Status.AlarmRaisedTime.Time.Equal(since) {
		t.Errorf("status %+v", r.Status)
	}
	if c, u := fx.writes(); c != 1 || u != 0 {
		t.Errorf("%d creates and %d status updates, want the alarm raised in one create", c, u)
	}
}

// The informer has not seen the raise when the clear arrives; the recorder must still clear
// the record it wrote rather than think there is nothing to clear.
func TestClearRightAfterRaiseClearsWhatWasWrittenBeforeTheInformerSeesIt(t *testing.T) {
	fx := newFixture(t)
	since := fx.clock.Now().Add(-time.Minute)
	ctx := context.Background()
	if err := fx.rec.Observe(ctx, nodeDown(true, since)); err != nil {
		t.Fatal(err)
	}
	if err := fx.rec.Observe(ctx, nodeDown(false, fx.clock.Now())); err != nil {
		t.Fatal(err)
	}
	got := fx.stored()
	if len(got) != 1 || got[0].Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared || got[0].Status.AlarmClearedTime == nil {
		t.Fatalf("records %+v, want the one alarm cleared", got)
	}
}

func TestRepeatedObservationWritesNothingAndARestartKeepsTheAlarm(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	o := nodeDown(true, fx.clock.Now().Add(-time.Hour))
	for range 3 {
		if err := fx.rec.Observe(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if c, u := fx.writes(); c != 1 || u != 0 {
		t.Errorf("%d creates, %d updates for one unchanged fault observed three times", c, u)
	}

	// A new process: its informer lists the stored alarm; the same fault raises nothing new.
	restarted := newFixture(t)
	restarted.client = fx.client
	restarted.rec.cfg.Client = fx.client.O2imsV1alpha1()
	for _, r := range fx.stored() {
		if err := restarted.records.GetIndexer().Add(r.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	fx.client.ClearActions()
	if err := restarted.rec.Observe(ctx, o); err != nil {
		t.Fatal(err)
	}
	if c, u := restarted.writes(); c != 0 || u != 0 {
		t.Errorf("after a restart: %d creates, %d updates, want none", c, u)
	}
}

func TestSeverityChangeUpdatesStatusOnly(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	o := nodeDown(true, fx.clock.Now().Add(-time.Hour))
	if err := fx.rec.Observe(ctx, o); err != nil {
		t.Fatal(err)
	}
	o.Severity = alarms.SeverityMajor
	if err := fx.rec.Observe(ctx, o); err != nil {
		t.Fatal(err)
	}
	got := fx.stored()
	if len(got) != 1 || got[0].Status.PerceivedSeverity != v1alpha1.PerceivedSeverityMajor || got[0].Status.AlarmChangedTime == nil {
		t.Fatalf("records %+v", got)
	}
	if c, u := fx.writes(); c != 1 || u != 1 {
		t.Errorf("%d creates, %d status updates, want 1 and 1", c, u)
	}
}

func TestSyncClearsTheSourcesAlarmsNoLongerActiveAndNoOtherSources(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	since := fx.clock.Now().Add(-time.Hour)
	stays, goes := nodeDown(true, since), nodeDown(true, since)
	goes.Key = "other-node/Ready"
	other := nodeDown(true, since)
	other.Source, other.Key = "alertmanager", "fingerprint-1"
	for _, o := range []alarms.Observation{stays, goes, other} {
		if err := fx.rec.Observe(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := fx.rec.Sync(ctx, "node-conditions", []alarms.Observation{stays}, fx.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, r := range fx.stored() {
		cleared := r.Status.PerceivedSeverity == v1alpha1.PerceivedSeverityCleared
		if cleared != (r.Spec.Source.Key == goes.Key) {
			t.Errorf("%s/%s cleared=%v", r.Spec.Source.Name, r.Spec.Source.Key, cleared)
		}
	}
}

// An operator acknowledged the alarm between the recorder's read and its write: the write
// loses the race (409), and the recorder decides again on the record as it now is.
func TestAWriteThatLosesARaceIsDecidedAgain(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	o := nodeDown(true, fx.clock.Now().Add(-time.Hour))
	if err := fx.rec.Observe(ctx, o); err != nil {
		t.Fatal(err)
	}
	conflicts := 1
	fx.client.PrependReactor("update", "alarmeventrecords", func(a clienttesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "status" || conflicts == 0 {
			return false, nil, nil
		}
		conflicts--
		return true, nil, apierrors.NewConflict(schema.GroupResource{Group: v1alpha1.GroupName, Resource: "alarmeventrecords"}, "x", nil)
	})
	o.Active, o.Since = false, fx.clock.Now()
	if err := fx.rec.Observe(ctx, o); err != nil {
		t.Fatal(err)
	}
	if got := fx.stored(); got[0].Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared {
		t.Errorf("after a lost race the clear was dropped: %+v", got[0].Status)
	}
}

func TestUnknownDefinitionIsRaisedUnderItsNameWithoutIDs(t *testing.T) {
	fx := newFixture(t)
	o := nodeDown(true, fx.clock.Now())
	o.Definition, o.ProbableCause = "KubeletTooManyPods", "SOMETHING"
	if err := fx.rec.Observe(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	got := fx.stored()
	if len(got) != 1 || got[0].Spec.AlarmName != "KubeletTooManyPods" || got[0].Spec.AlarmDefinitionID != "" || got[0].Spec.AlarmDictionaryID != "" {
		t.Fatalf("records %+v", got)
	}
}

func TestObservationWithoutObjectIsRefused(t *testing.T) {
	fx := newFixture(t)
	o := nodeDown(true, fx.clock.Now())
	o.Object.ID = ""
	if err := fx.rec.Observe(context.Background(), o); err == nil {
		t.Fatal("an observation naming no object was accepted")
	}
	if len(fx.stored()) != 0 {
		t.Error("something was stored")
	}
}

func TestWrittenRecordsAreForgottenOnceTheInformerHasThem(t *testing.T) {
	w := newWrittenRecords()
	rec := &v1alpha1.AlarmEventRecord{ObjectMeta: metav1.ObjectMeta{Name: "a", ResourceVersion: "7"}, Spec: v1alpha1.AlarmEventRecordSpec{Source: v1alpha1.AlarmSource{Name: "s", Key: "k"}}}
	w.put(rec)
	older := rec.DeepCopy()
	older.ResourceVersion = "6"
	w.seen(older)
	if w.len() != 1 {
		t.Fatal("forgot a write the informer has not caught up with")
	}
	if got := w.merge(recordFault(rec), []any{older}); len(got) != 1 || got[0].ResourceVersion != "7" {
		t.Fatalf("merge preferred the informer's older copy: %+v", got)
	}
	w.seen(rec)
	if w.len() != 0 {
		t.Error("a write the informer holds is still remembered: the memory grows with every fault")
	}
}

// A tenant admin may create AlarmEventRecords in their own namespace, naming any source and
// key. Such a look-alike of a node alarm must not stand in for the real one (which would then
// never be raised where the operator looks), and the recorder must never write to it.
func TestATenantsLookAlikeRecordNeitherSuppressesNorIsTouched(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	since := fx.clock.Now().Add(-time.Hour)
	fake := &v1alpha1.AlarmEventRecord{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-b", Name: "fake", ResourceVersion: "1"},
		Spec: v1alpha1.AlarmEventRecordSpec{
			AlarmEventRecordID: "4a0e7a52-3a5b-4c77-9d55-0a8f4f6b9c01",
			Source:             v1alpha1.AlarmSource{Name: "node-conditions", Key: "node-uid/Ready"},
			ObjectClass:        "Resource", ObjectID: nodeID,
		},
		Status: v1alpha1.AlarmEventRecordStatus{PerceivedSeverity: v1alpha1.PerceivedSeverityCritical, AlarmRaisedTime: &metav1.Time{Time: since}},
	}
	if _, err := fx.client.O2imsV1alpha1().AlarmEventRecords("tenant-b").Create(ctx, fake, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := fx.records.GetIndexer().Add(fake); err != nil {
		t.Fatal(err)
	}
	fx.client.ClearActions()
	if err := fx.rec.Observe(ctx, nodeDown(true, since)); err != nil {
		t.Fatal(err)
	}
	if got := fx.stored(); len(got) != 1 || got[0].Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCritical {
		t.Fatalf("the real alarm was not raised in %s: %+v", inventoryNS, got)
	}
	if err := fx.rec.Sync(ctx, "node-conditions", nil, fx.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, a := range fx.client.Actions() {
		if a.GetNamespace() == "tenant-b" {
			t.Errorf("the recorder wrote to the tenant's record: %v", a)
		}
	}
	fake.Namespace = "tenant-b"
	o := nodeDown(true, since)
	o.Object.Namespace = "tenant-b"
	if err := fx.rec.Observe(ctx, o); err == nil {
		t.Error("an observation placing an alarm in a tenant namespace was recorded")
	}
}

// The Alertmanager resync reads the active alerts, then states them; an alarm the webhook
// raised in between is not in what it read. Clearing it would send a CLEAR and, at the next
// resync, a NEW under another id for an alert that never stopped.
func TestSyncLeavesAnAlarmRaisedAfterTheSourceRead(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.client.PrependReactor("create", "alarmeventrecords", func(a clienttesting.Action) (bool, runtime.Object, error) {
		rec := a.(clienttesting.CreateAction).GetObject().(*v1alpha1.AlarmEventRecord)
		rec.CreationTimestamp = metav1.NewTime(fx.clock.Now().Truncate(time.Second)) // as the API server stamps it
		return false, nil, nil
	})
	read := fx.clock.Now()
	fx.clock.SetTime(read.Add(3 * time.Second))
	if err := fx.rec.Observe(ctx, nodeDown(true, read)); err != nil {
		t.Fatal(err)
	}
	if err := fx.rec.Sync(ctx, "node-conditions", nil, read); err != nil {
		t.Fatal(err)
	}
	if got := fx.stored(); got[0].Status.PerceivedSeverity == v1alpha1.PerceivedSeverityCleared {
		t.Fatal("a Sync of what was read before the alarm was raised cleared it")
	}
	if err := fx.rec.Sync(ctx, "node-conditions", nil, fx.clock.Now().Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := fx.stored(); got[0].Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared {
		t.Fatal("a later Sync without the fault did not clear it")
	}
}

// TestRegressionNodePoolTenantRecordStoodInForOperatorAlarm: the admin of a node pool namespace
// (o2ims-admin aggregated into `admin`) created an AlarmEventRecord there naming the source and
// key of the operator's alert, raised in 2099. The recorder took it for the fault's latest
// record: the alert's resolution cleared the tenant's record and the O-Cloud's alarm in the
// inventory namespace stayed raised. Now the recorder counts only records it wrote (named by a
// derived UUIDv5 id, which no tenant gets outside the inventory namespace): it clears its own
// alarm and never writes the tenant's.
func TestRegressionNodePoolTenantRecordStoodInForOperatorAlarm(t *testing.T) {
	const poolNS = "pool-a"
	fx := newFixture(t)
	fx.rec.cfg.Namespaces = func(ns string) bool { return ns == inventoryNS || ns == poolNS }
	ctx := context.Background()
	since := fx.clock.Now().Add(-time.Hour)
	operator := nodeDown(true, since)
	operator.Source, operator.Key = "alertmanager", "aa11"
	operator.Object = alarms.ObjectRef{Class: "OCloud", ID: oCloudID, Namespace: inventoryNS}
	if err := fx.rec.Observe(ctx, operator); err != nil {
		t.Fatal(err)
	}
	// The tenant's look-alike, as a namespace admin of pool-a may create it.
	future := metav1.NewTime(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC))
	forged := &v1alpha1.AlarmEventRecord{
		ObjectMeta: metav1.ObjectMeta{Namespace: poolNS, Name: "c1d2e3f4-0000-4000-8000-000000000001"},
		Spec: v1alpha1.AlarmEventRecordSpec{
			AlarmEventRecordID: "c1d2e3f4-0000-4000-8000-000000000001",
			Source:             v1alpha1.AlarmSource{Name: "alertmanager", Key: "aa11"},
			ObjectClass:        "Resource", ObjectID: nodeID, AlarmName: "tenant",
		},
		Status: v1alpha1.AlarmEventRecordStatus{PerceivedSeverity: v1alpha1.PerceivedSeverityMinor, AlarmRaisedTime: &future},
	}
	created, err := fx.client.O2imsV1alpha1().AlarmEventRecords(poolNS).Create(ctx, forged, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.records.GetIndexer().Add(created); err != nil {
		t.Fatal(err)
	}
	for _, r := range fx.stored() {
		if err := fx.records.GetIndexer().Add(r.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	fx.client.ClearActions()

	resolved := operator
	resolved.Active, resolved.Since = false, fx.clock.Now()
	if err := fx.rec.Observe(ctx, resolved); err != nil {
		t.Fatal(err)
	}
	for _, a := range fx.client.Actions() {
		if a.GetNamespace() == poolNS && a.GetVerb() != "get" {
			t.Errorf("the recorder wrote the tenant's record: %s %s/%s in %s", a.GetVerb(), a.GetResource().Resource, a.GetSubresource(), a.GetNamespace())
		}
	}
	for _, r := range fx.stored() {
		if r.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared {
			t.Errorf("the operator's alarm %s is still raised (severity %d) after its alert resolved", r.Name, r.Status.PerceivedSeverity)
		}
	}
}

// TestRegressionClearStampedBeforeRaise: a resolution dated before the active alarm was raised
// (a node condition's transition time from a skewed kubelet clock, or a re-raised occurrence
// whose end precedes the re-raise) was stored with alarmClearedTime before alarmRaisedTime.
// Now the alarm is cleared, stamped at its raise.
func TestRegressionClearStampedBeforeRaise(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	raised := fx.clock.Now().Add(-time.Minute)
	if err := fx.rec.Observe(ctx, nodeDown(true, raised)); err != nil {
		t.Fatal(err)
	}
	if err := fx.rec.Observe(ctx, nodeDown(false, raised.Add(-24*time.Hour))); err != nil {
		t.Fatal(err)
	}
	for _, r := range fx.stored() {
		if r.Status.AlarmClearedTime != nil && r.Status.AlarmClearedTime.Before(r.Status.AlarmRaisedTime) {
			t.Errorf("record %s stored cleared at %s, before it was raised at %s", r.Name, r.Status.AlarmClearedTime, r.Status.AlarmRaisedTime)
		}
	}
	if got := fx.stored(); len(got) != 1 || got[0].Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared {
		t.Errorf("stored %+v, want the one alarm cleared", got)
	}
}

// TestRegressionLateResolutionClearedLaterOccurrence: a fingerprint's alert resolved and fired
// again; the resolution of the earlier occurrence was then delivered once more (an HA
// Alertmanager peer, a delayed retry). It carried only its end, so the recorder cleared the
// current occurrence's alarm, stamped before it was raised. Now the resolution carries its
// start, and one that ended before the active alarm was raised leaves it raised.
func TestRegressionLateResolutionClearedLaterOccurrence(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	first := fx.clock.Now().Add(-2 * time.Hour)
	second := fx.clock.Now().Add(-time.Hour)
	if err := fx.rec.Observe(ctx, alertDown(true, second, time.Time{})); err != nil {
		t.Fatal(err)
	}
	if err := fx.rec.Observe(ctx, alertDown(false, first.Add(30*time.Minute), first)); err != nil {
		t.Fatal(err)
	}
	got := fx.stored()
	if len(got) != 1 || got[0].Status.PerceivedSeverity == v1alpha1.PerceivedSeverityCleared {
		t.Fatalf("stored %+v, want the later occurrence's alarm still raised", got)
	}
	// The end of the later occurrence itself still clears it.
	if err := fx.rec.Observe(ctx, alertDown(false, fx.clock.Now(), second)); err != nil {
		t.Fatal(err)
	}
	if got := fx.stored(); len(got) != 1 || got[0].Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared {
		t.Errorf("stored %+v, want the alarm cleared by its own resolution", got)
	}
}

// alertDown is an Alertmanager alert's observation about the O-Cloud; a resolved one (!active)
// ended at at and began at started.
func alertDown(active bool, at, started time.Time) alarms.Observation {
	o := nodeDown(active, at)
	o.Source, o.Key, o.Started = "alertmanager", "aa11", started
	o.Object = alarms.ObjectRef{Class: "OCloud", ID: oCloudID, Namespace: inventoryNS}
	return o
}

// TestRegressionLateFiringAfterResolutionRaisedStaleAlarm: an occurrence's resolution arrived
// before its firing notification (HA Alertmanager peers whose gossip lagged, a retried
// delivery). The resolution found nothing to clear and was forgotten; the firing then raised an
// alarm for an occurrence already reported over, which nothing but the opt-in resync ever
// cleared. Now the resolution leaves a short-lived tombstone and the late firing raises nothing.
// The tombstones are bounded in time and number (TestTombstonesAreBounded).
func TestRegressionLateFiringAfterResolutionRaisedStaleAlarm(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	started := fx.clock.Now().Add(-time.Hour)
	ended := started.Add(30 * time.Minute)
	if err := fx.rec.Observe(ctx, alertDown(false, ended, started)); err != nil {
		t.Fatal(err)
	}
	if err := fx.rec.Observe(ctx, alertDown(true, started, time.Time{})); err != nil {
		t.Fatal(err)
	}
	if got := fx.stored(); len(got) != 0 {
		t.Fatalf("stored %+v: an alarm raised for an occurrence reported ended at %s", got, ended)
	}
	// A resync that read the alert active before the resolution arrived is overtaken too.
	if err := fx.rec.Sync(ctx, "alertmanager", []alarms.Observation{alertDown(true, started, time.Time{})}, fx.clock.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := fx.stored(); len(got) != 0 {
		t.Fatalf("stored %+v after a resync read before the resolution", got)
	}
	// Another occurrence of the same fingerprint is raised.
	if err := fx.rec.Observe(ctx, alertDown(true, ended.Add(time.Minute), time.Time{})); err != nil {
		t.Fatal(err)
	}
	if got := fx.stored(); len(got) != 1 {
		t.Fatalf("stored %d alarms, want the later occurrence's", len(got))
	}
}

// TestTombstonesAreBounded: a resolution's tombstone lives tombstoneTTL, and at most
// maxTombstone are kept, the oldest dropped first.
func TestTombstonesAreBounded(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	ts := newTombstones()
	started := now.Add(-time.Hour)
	ts.put("alertmanager", "aa11", started, now)
	if !ts.ended("alertmanager", "aa11", started, time.Time{}, now.Add(tombstoneTTL-time.Second)) {
		t.Error("the tombstone is gone before its time")
	}
	if ts.ended("alertmanager", "aa11", started, time.Time{}, now.Add(tombstoneTTL)) || ts.len() != 0 {
		t.Errorf("the tombstone outlived tombstoneTTL (%d left)", ts.len())
	}
	for i := range maxTombstone + 1 {
		ts.put("alertmanager", fmt.Sprintf("%x", i), started, now)
	}
	if ts.len() != maxTombstone || ts.ended("alertmanager", "0", started, time.Time{}, now) || !ts.ended("alertmanager", "1", started, time.Time{}, now) {
		t.Errorf("%d tombstones kept, want %d without the oldest", ts.len(), maxTombstone)
	}
}

// SyncScope clears the alarms of the source within the scope, judged by their key and their
// extensions as the source gave them, that are not among the active; the others stay.
func TestSyncScopeClearsOnlyWithinScope(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	since := fx.clock.Now().Add(-time.Hour)
	stays, goes, outside := nodeDown(true, since), nodeDown(true, since), nodeDown(true, since)
	goes.Key, outside.Key = "gone-node/Ready", "unread-node/Ready"
	stays.Extensions = map[string]string{"part": "read"}
	goes.Extensions = map[string]string{"part": "read"}
	outside.Extensions = map[string]string{"part": "unread"}
	for _, o := range []alarms.Observation{stays, goes, outside} {
		if err := fx.rec.Observe(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	read := func(_ string, ext map[string]string) bool { return ext["part"] == "read" }
	if err := fx.rec.SyncScope(ctx, "node-conditions", []alarms.Observation{stays}, fx.clock.Now(), read); err != nil {
		t.Fatal(err)
	}
	for _, r := range fx.stored() {
		cleared := r.Status.PerceivedSeverity == v1alpha1.PerceivedSeverityCleared
		if cleared != (r.Spec.Source.Key == goes.Key) {
			t.Errorf("%s/%s cleared=%v, want only %s cleared", r.Spec.Source.Name, r.Spec.Source.Key, cleared, goes.Key)
		}
	}
	if err := fx.rec.SyncScope(ctx, "node-conditions", nil, fx.clock.Now(), nil); err == nil {
		t.Error("SyncScope without a scope accepted; it would clear every alarm of the source")
	}
}

// TestRegressionAlarmRaisedBeforeTheStandardDictionaryHasNoDefinition (found walking make run):
// a node fault observed at the first start, before the dictionary controller had written the
// standard O-Cloud dictionary, was recorded without dictionary, definition and cause ids, and a
// record's spec never changes: the O2 face served alarmDefinitionId as the nil UUID for as long
// as the alarm stayed raised, though kubectl showed CLUSTERNODE_CRITICAL. The standard's ids
// are fixed, and are known before the dictionary is written (dictionary.Controller.Desired).
func TestRegressionAlarmRaisedBeforeTheStandardDictionaryHasNoDefinition(t *testing.T) {
	ids, err := inventory.NewIDs(oCloudID)
	if err != nil {
		t.Fatal(err)
	}
	// The dictionary controller, as the server wires it, before its first sync.
	dicts, err := dictionary.New(dictionary.Config{Client: fake.NewSimpleClientset(),
		Informers: externalversions.NewSharedInformerFactory(fake.NewSimpleClientset(), 0), IDs: ids, Namespace: inventoryNS})
	if err != nil {
		t.Fatal(err)
	}
	fx := newFixtureKnowing(t, func(o alarms.Observation) (alarms.Definition, bool) {
		return Resolve(dicts.Desired(), inventoryNS, o)
	})
	// Not written yet.
	if err := fx.dicts.GetIndexer().Delete(standardDictionary()); err != nil {
		t.Fatal(err)
	}
	if err := fx.rec.Observe(context.Background(), nodeDown(true, fx.clock.Now())); err != nil {
		t.Fatal(err)
	}
	got := fx.stored()
	if len(got) != 1 {
		t.Fatalf("%d records, want 1", len(got))
	}
	s := got[0].Spec
	if s.AlarmDictionaryID != dictionary.StandardID(fx.ids) || s.AlarmDefinitionID != standard.DefinitionID("CLUSTERNODE_CRITICAL") ||
		s.ProbableCauseID != standard.ProbableCauseID("NODE_DOWN") {
		t.Errorf("an alarm raised before the standard dictionary was written: dictionary %q definition %q cause %q; want the standard's",
			s.AlarmDictionaryID, s.AlarmDefinitionID, s.ProbableCauseID)
	}
}

// TestRegressionSyncClearedTheFaultsNewerOccurrence: a Sync looks up the source's active
// alarms, then clears those the source no longer reports one by one. When the source reported
// one of those faults ended and raised again in between (a webhook, while the Sync cleared
// others), the clear went to the fault's latest record: the new occurrence, which the source's
// list predates, was cleared, and raised again as yet another alarm by the next Sync (NEW,
// CLEAR, NEW for one firing). The clear now applies to the record found stale only.
func TestRegressionSyncClearedTheFaultsNewerOccurrence(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	first := fx.clock.Now().Add(-time.Hour)
	if err := fx.rec.Observe(ctx, nodeDown(true, first)); err != nil {
		t.Fatal(err)
	}
	stale := fx.stored()[0].DeepCopy() // what the Sync's look-up found active
	// Meanwhile the source reports the occurrence ended and the fault back.
	fx.clock.SetTime(fx.clock.Now().Add(time.Minute))
	if err := fx.rec.Observe(ctx, nodeDown(false, fx.clock.Now())); err != nil {
		t.Fatal(err)
	}
	fx.clock.SetTime(fx.clock.Now().Add(time.Minute))
	again := fx.clock.Now()
	if err := fx.rec.Observe(ctx, nodeDown(true, again)); err != nil {
		t.Fatal(err)
	}
	if err := fx.rec.clearStale(ctx, stale, fx.clock.Now()); err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, rec := range fx.stored() {
		if rec.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared {
			active++
			if rec.Name == stale.Name {
				t.Errorf("the stale record %s is active again", rec.Name)
			}
		}
	}
	if active != 1 {
		t.Errorf("%d active records after the stale one's clear, want the new occurrence's", active)
	}
	// The stale record itself, still the latest, is cleared as before.
	fx2 := newFixture(t)
	if err := fx2.rec.Observe(ctx, nodeDown(true, first)); err != nil {
		t.Fatal(err)
	}
	if err := fx2.rec.clearStale(ctx, fx2.stored()[0].DeepCopy(), fx2.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := fx2.stored()[0]; got.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared {
		t.Errorf("the stale record, the fault's latest, was not cleared: %v", got.Status.PerceivedSeverity)
	}
}
