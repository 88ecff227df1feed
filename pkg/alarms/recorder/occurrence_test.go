package recorder

import (
	"context"
	"testing"
	"time"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/alarms"
)

// alertFiring is a firing alert's observation (as the Alertmanager source maps one): its
// startsAt tells its occurrences apart.
func alertFiring(startsAt time.Time) alarms.Observation {
	return alarms.Observation{
		Source: "alertmanager", Key: "0123abcd",
		Object:     alarms.ObjectRef{Class: "Resource", ID: nodeID, TypeID: typeID, Namespace: inventoryNS},
		Definition: "NodeDiskFull", Severity: alarms.SeverityMajor, Active: true, Since: startsAt,
		Occurrences: true, Text: "disk is full",
	}
}

// TestRegressionOccurrenceWhileNoLeaderMergedIntoTheOldAlarm: an alert that resolved and fired
// again while no netweave leader ran (its resolution sent to nobody) was merged into the alarm
// of its first occurrence: no CLEAR, no NEW, the old raise time and id kept, and a wiped store
// re-synced under another id (the id derives from the occurrence's start). Now a firing whose
// startsAt is after the active alarm was raised clears that alarm and raises a new one under
// the new occurrence's id. A node condition, whose transition time moves within one fault
// (Ready False to Unknown), and a re-raise of the same occurrence after an operator's clear
// keep their alarm.
func TestRegressionOccurrenceWhileNoLeaderMergedIntoTheOldAlarm(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	first := fx.clock.Now().Add(-2 * time.Hour).Truncate(time.Second)
	if err := fx.rec.Observe(ctx, alertFiring(first)); err != nil {
		t.Fatal(err)
	}
	second := fx.clock.Now().Add(-10 * time.Minute).Add(123 * time.Millisecond)
	if err := fx.rec.Observe(ctx, alertFiring(second)); err != nil {
		t.Fatal(err)
	}
	var active, cleared []v1alpha1.AlarmEventRecord
	for _, r := range fx.stored() {
		if r.Status.PerceivedSeverity == v1alpha1.PerceivedSeverityCleared {
			cleared = append(cleared, r)
		} else {
			active = append(active, r)
		}
	}
	if len(active) != 1 || len(cleared) != 1 {
		t.Fatalf("%d active and %d cleared records after a second occurrence, want one of each", len(active), len(cleared))
	}
	if want := alarms.RecordID(fx.ids, "alertmanager", "0123abcd", second); active[0].Name != want {
		t.Errorf("the second occurrence's alarm is %s, want the id of its start %s", active[0].Name, want)
	}
	if got := cleared[0].Status.AlarmClearedTime; got == nil || !got.Time.Truncate(time.Second).Equal(second.Truncate(time.Second)) {
		t.Errorf("the first occurrence cleared at %v, want the second's start %v", got, second)
	}

	// The same occurrence again: nothing new. Nor once its alarm is the re-raise that follows
	// an operator's clear (raised at the clear, under an id of its own).
	fx.client.ClearActions()
	if err := fx.rec.Observe(ctx, alertFiring(second)); err != nil {
		t.Fatal(err)
	}
	if c, u := fx.writes(); c != 0 || u != 0 {
		t.Errorf("the same occurrence observed again: %d creates, %d updates", c, u)
	}
	reRaised := active[0].DeepCopy()
	reRaised.Name = alarms.RecordID(fx.ids, "alertmanager", "0123abcd", second.Add(5*time.Minute))
	reRaised.Spec.AlarmEventRecordID = reRaised.Name
	reRaised.Status.AlarmRaisedTime.Time = second.Add(5 * time.Minute).Truncate(time.Second)
	if tr := alarms.Observe(fx.ids, reRaised, alertFiring(second), alarms.Definition{}, fx.clock.Now()); tr.Record != nil {
		t.Errorf("the occurrence of an alarm re-raised after an operator's clear: event %v, want nothing", tr.Event)
	}

	// A node's Ready going from False to Unknown moves the condition's transition time: the
	// same fault, the same alarm.
	node := newFixture(t)
	if err := node.rec.Observe(ctx, nodeDown(true, first)); err != nil {
		t.Fatal(err)
	}
	node.client.ClearActions()
	if err := node.rec.Observe(ctx, nodeDown(true, second)); err != nil {
		t.Fatal(err)
	}
	if c, u := node.writes(); c != 0 || u != 0 {
		t.Errorf("a node condition's later transition time: %d creates, %d updates, want none", c, u)
	}
}
