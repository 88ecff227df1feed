package alarms

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/inventory"
)

var (
	t0 = time.Date(2025, 3, 1, 10, 0, 0, 123456789, time.UTC)
	t1 = t0.Add(time.Minute)
	t2 = t0.Add(2 * time.Minute)
)

func testIDs(t *testing.T) inventory.IDs {
	t.Helper()
	ids, err := inventory.NewIDs("6b1f0a1e-3c2d-4e5f-8a9b-0c1d2e3f4a5b")
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func nodeDown(active bool, severity Severity, since time.Time, text string) Observation {
	return Observation{
		Source: "node-conditions", Key: "uid-1/Ready",
		Object:     ObjectRef{Class: "Resource", ID: "0b9e3f1c-2d4a-4b5c-8d6e-7f8091a2b3c4", Namespace: "o2ims-system"},
		Definition: "CLUSTERNODE_CRITICAL", ProbableCause: "NODE_DOWN",
		Severity: severity, Active: active, Since: since, Text: text,
		Extensions: map[string]string{"node": "worker-1"},
	}
}

var automatic = Definition{DictionaryID: "8d0f6d1a-1111-4b5c-8d6e-7f8091a2b3c4", ClearingType: v1alpha1.ClearingTypeAutomatic}

func TestRaiseIsNewWithDeterministicID(t *testing.T) {
	ids := testIDs(t)
	tr := Observe(ids, nil, nodeDown(true, SeverityCritical, t0, "node not ready"), automatic, t1)
	if !tr.Create || tr.Event != EventNew || tr.Record == nil {
		t.Fatalf("raise: %+v", tr)
	}
	rec := tr.Record
	want := ids.Of("AlarmEventRecord", "node-conditions/uid-1/Ready/"+t0.Format(time.RFC3339Nano))
	if rec.Spec.AlarmEventRecordID != want || rec.Name != want || rec.Namespace != "o2ims-system" {
		t.Errorf("id %s name %s/%s, want %s", rec.Spec.AlarmEventRecordID, rec.Namespace, rec.Name, want)
	}
	if again := Observe(ids, nil, nodeDown(true, SeverityCritical, t0.In(time.FixedZone("x", 3600)), ""), automatic, t2); again.Record.Spec.AlarmEventRecordID != want {
		t.Errorf("the same occurrence seen again (another zone, later) got id %s, want %s", again.Record.Spec.AlarmEventRecordID, want)
	}
	if rec.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCritical || !rec.Status.AlarmRaisedTime.Time.Equal(t0.Truncate(0)) ||
		rec.Status.Text != "node not ready" || rec.Spec.AlarmName != "CLUSTERNODE_CRITICAL" || rec.Spec.AlarmDictionaryID != automatic.DictionaryID {
		t.Errorf("record %+v", rec)
	}
	if string(rec.Spec.Extensions["node"].Raw) != `"worker-1"` {
		t.Errorf("extensions %v", rec.Spec.Extensions)
	}
	if tr := Observe(ids, nil, nodeDown(false, 0, t1, ""), automatic, t1); tr.Record != nil {
		t.Errorf("a fault that is gone with no record raised %+v", tr)
	}
}

func TestChangeAndClear(t *testing.T) {
	ids := testIDs(t)
	rec := Observe(ids, nil, nodeDown(true, SeverityMajor, t0, "a"), automatic, t0).Record
	if tr := Observe(ids, rec, nodeDown(true, SeverityMajor, t0, "a"), automatic, t1); tr.Record != nil {
		t.Errorf("nothing changed, got %+v", tr)
	}
	tr := Observe(ids, rec, nodeDown(true, SeverityCritical, t0, "worse"), automatic, t1)
	if tr.Create || tr.Event != EventChange || tr.Record.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCritical ||
		tr.Record.Status.Text != "worse" || !tr.Record.Status.AlarmChangedTime.Time.Equal(t1) {
		t.Fatalf("change: %+v", tr)
	}
	if rec.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityMajor {
		t.Error("Observe changed the current record in place")
	}
	cl := Observe(ids, tr.Record, nodeDown(false, 0, t2, ""), automatic, t2.Add(time.Second))
	if cl.Create || cl.Event != EventClear || cl.Record.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared ||
		!cl.Record.Status.AlarmClearedTime.Time.Equal(t2) {
		t.Fatalf("clear: %+v", cl)
	}
	if tr := Observe(ids, cl.Record, nodeDown(false, 0, t2, ""), automatic, t2); tr.Record != nil {
		t.Errorf("clearing a cleared alarm by observation: %+v", tr)
	}
}

func TestReRaiseAfterClearIsANewRecord(t *testing.T) {
	ids := testIDs(t)
	first := Observe(ids, nil, nodeDown(true, SeverityMajor, t0, ""), automatic, t0).Record
	cleared := Observe(ids, first, nodeDown(false, 0, t1, ""), automatic, t1).Record
	tr := Observe(ids, cleared, nodeDown(true, SeverityMajor, t2, ""), automatic, t2)
	if !tr.Create || tr.Event != EventNew || tr.Record.Spec.AlarmEventRecordID == first.Spec.AlarmEventRecordID {
		t.Fatalf("a new occurrence must be a new record: %+v", tr)
	}
}

func TestAcknowledge(t *testing.T) {
	ids := testIDs(t)
	rec := Observe(ids, nil, nodeDown(true, SeverityMajor, t0, ""), automatic, t0).Record
	tr, err := Acknowledge(rec, "alice", t1)
	if err != nil || tr.Event != EventAcknowledge || tr.Create {
		t.Fatalf("ack: %+v, %v", tr, err)
	}
	if s := tr.Record.Status; !s.AlarmAcknowledged || s.AcknowledgedBy != "alice" || !s.AlarmAcknowledgedTime.Time.Equal(t1) || !tr.Record.Spec.Acknowledged {
		t.Errorf("ack status %+v", s)
	}
	if _, err := Acknowledge(tr.Record, "bob", t2); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate ack: %v, want ErrConflict (409)", err)
	}
	if e, ok := EventOf(rec, tr.Record); !ok || e != EventAcknowledge {
		t.Errorf("EventOf ack: %v %v", e, ok)
	}
}

func TestOperatorClear(t *testing.T) {
	ids := testIDs(t)
	for _, ct := range []v1alpha1.ClearingType{v1alpha1.ClearingTypeManual, v1alpha1.ClearingTypeAutomatic} {
		def := Definition{ClearingType: ct}
		rec := Observe(ids, nil, nodeDown(true, SeverityMajor, t0, ""), def, t0).Record
		tr, err := Clear(rec, t1)
		if err != nil || tr.Event != EventClear || tr.Record.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared || !tr.Record.Spec.ClearRequested {
			t.Fatalf("%s: clear %+v, %v", ct, tr, err)
		}
		if _, err := Clear(tr.Record, t2); !errors.Is(err, ErrConflict) {
			t.Errorf("%s: clearing a cleared alarm: %v, want ErrConflict (409)", ct, err)
		}
		// The fault is still present (the same occurrence, same Since): a MANUAL definition's
		// sources report it the same way, and either way it comes back as a new record whose
		// id is stable once the clear is stored (second precision).
		stored := tr.Record.DeepCopy()
		stored.Status.AlarmClearedTime.Time = stored.Status.AlarmClearedTime.Truncate(time.Second)
		again := Observe(ids, tr.Record, nodeDown(true, SeverityMajor, t0, ""), def, t2)
		fromStore := Observe(ids, stored, nodeDown(true, SeverityMajor, t0, ""), def, t2.Add(time.Hour))
		if !again.Create || again.Event != EventNew || again.Record.Spec.AlarmEventRecordID == rec.Spec.AlarmEventRecordID {
			t.Fatalf("%s: still-present fault after a clear: %+v", ct, again)
		}
		if again.Record.Spec.AlarmEventRecordID != fromStore.Record.Spec.AlarmEventRecordID {
			t.Errorf("%s: re-raised id depends on the clear time's precision", ct)
		}
	}
}

func TestEventOf(t *testing.T) {
	ids := testIDs(t)
	rec := Observe(ids, nil, nodeDown(true, SeverityMajor, t0, ""), automatic, t0).Record
	if e, ok := EventOf(nil, rec); !ok || e != EventNew {
		t.Errorf("create: %v %v", e, ok)
	}
	changed := Observe(ids, rec, nodeDown(true, SeverityMinor, t0, ""), automatic, t1).Record
	if e, ok := EventOf(rec, changed); !ok || e != EventChange {
		t.Errorf("change: %v %v", e, ok)
	}
	cl, _ := Clear(rec, t1)
	if e, ok := EventOf(rec, cl.Record); !ok || e != EventClear {
		t.Errorf("clear: %v %v", e, ok)
	}
	if _, ok := EventOf(rec, rec.DeepCopy()); ok {
		t.Error("no change notified")
	}
}

// TestRegressionOverlongTextIsRaisedCut: a source's text is someone else's words (a Node
// condition's message, which node-problem-detector or any agent with node status rights
// writes at any length). Recorded whole, a text over the API's bound made every create of
// the alarm fail validation, retried forever: the fault was never raised. It is cut to the
// bound, on a rune boundary, and the same long text again changes nothing.
func TestRegressionOverlongTextIsRaisedCut(t *testing.T) {
	ids := testIDs(t)
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	long := "KernelDeadlock: " + strings.Repeat("é", validation.MaxAlarmTextLength)
	tr := Observe(ids, nil, nodeDown(true, SeverityCritical, t0, long), automatic, t0)
	if tr.Record == nil {
		t.Fatal("not raised")
	}
	text := tr.Record.Status.Text
	if len(text) > validation.MaxAlarmTextLength || !utf8.ValidString(text) || !strings.HasPrefix(long, text) {
		t.Fatalf("text of %d bytes (valid UTF-8 %v), want a prefix within %d", len(text), utf8.ValidString(text), validation.MaxAlarmTextLength)
	}
	if again := Observe(ids, tr.Record, nodeDown(true, SeverityCritical, t0, long), automatic, t0.Add(time.Minute)); again.Record != nil {
		t.Errorf("the same long text again is event %v", again.Event)
	}
}
