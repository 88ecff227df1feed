package alarmeventrecord

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

func as(name string) context.Context { return kindtest.RequestIn("o2ims-system", name) }

func record() *o2ims.AlarmEventRecord {
	return &o2ims.AlarmEventRecord{
		ObjectMeta: metav1.ObjectMeta{Namespace: "o2ims-system", Name: "a1", ResourceVersion: "1"},
		Spec: o2ims.AlarmEventRecordSpec{
			AlarmEventRecordID: "39c85e74-2e98-4e3d-8fec-e5a849d967c6",
			Source:             o2ims.AlarmSource{Name: "node-conditions", Key: "uid/Ready"},
			ObjectClass:        "Resource", ObjectID: "0b9e3f1c-2d4a-4b5c-8d6e-7f8091a2b3c4", AlarmName: "CLUSTERNODE_CRITICAL",
		},
		Status: o2ims.AlarmEventRecordStatus{PerceivedSeverity: o2ims.PerceivedSeverityMajor, Text: "node not ready"},
	}
}

func storage(t *testing.T) *REST {
	t.Helper()
	main, status, err := NewREST(runtime.NewScheme(), kindtest.NullGetter{}, nil)
	if err != nil || status == nil {
		t.Fatalf("NewREST: %v, status %v", err, status)
	}
	return main
}

// update runs an update of old to obj through the main endpoint's strategy.
func update(t *testing.T, ctx context.Context, obj, old *o2ims.AlarmEventRecord) []string {
	t.Helper()
	s := storage(t).Store.UpdateStrategy
	s.PrepareForUpdate(ctx, obj, old)
	var msgs []string
	for _, e := range s.ValidateUpdate(ctx, obj, old) {
		msgs = append(msgs, e.Error())
	}
	return msgs
}

// TestCreateKeepsStatus: the recorder raises an alarm with its severity in one write, but the
// acknowledgement in a created status is not the creator's to claim.
func TestCreateKeepsStatus(t *testing.T) {
	rec := record()
	rec.Status.AlarmAcknowledged, rec.Status.AcknowledgedBy = true, "mallory"
	storage(t).Store.CreateStrategy.PrepareForCreate(as("netweave"), rec)
	if rec.Status.PerceivedSeverity != o2ims.PerceivedSeverityMajor || rec.Status.Text != "node not ready" {
		t.Errorf("create dropped the status: %+v", rec.Status)
	}
	if rec.Status.AlarmAcknowledged || rec.Status.AcknowledgedBy != "" {
		t.Errorf("create kept a claimed acknowledgement: %+v", rec.Status)
	}
}

// TestAcknowledgeStampsTheRequester: setting spec.acknowledged records the authenticated
// requester in status, whatever the body says.
func TestAcknowledgeStampsTheRequester(t *testing.T) {
	old := record()
	obj := record()
	obj.Spec.Acknowledged = true
	obj.Status.AcknowledgedBy = "someone-else"
	obj.Status.PerceivedSeverity = o2ims.PerceivedSeverityCleared // the main endpoint cannot write status
	if errs := update(t, as("alice"), obj, old); len(errs) > 0 {
		t.Fatalf("ack refused: %v", errs)
	}
	s := obj.Status
	if !s.AlarmAcknowledged || s.AcknowledgedBy != "alice" || s.AlarmAcknowledgedTime == nil {
		t.Errorf("ack status %+v, want acknowledged by alice with a time", s)
	}
	if s.PerceivedSeverity != o2ims.PerceivedSeverityMajor {
		t.Errorf("the main endpoint changed the severity to %d", s.PerceivedSeverity)
	}
	// A later update (e.g. a label) keeps the acknowledgement and its author.
	again := obj.DeepCopy()
	again.Labels = map[string]string{"x": "y"}
	if errs := update(t, as("bob"), again, obj); len(errs) > 0 || again.Status.AcknowledgedBy != "alice" {
		t.Errorf("relabel: %v, acknowledgedBy %q", errs, again.Status.AcknowledgedBy)
	}
}

func TestAcknowledgementAndClearCannotBeWithdrawn(t *testing.T) {
	old := record()
	old.Spec.Acknowledged, old.Spec.ClearRequested = true, true
	obj := record()
	errs := strings.Join(update(t, as("alice"), obj, old), "\n")
	if !strings.Contains(errs, "spec.acknowledged") || !strings.Contains(errs, "spec.clearRequested") {
		t.Errorf("withdrawal errors %q, want both fields named", errs)
	}
}

func TestClearRequestClears(t *testing.T) {
	old := record()
	obj := record()
	obj.Spec.ClearRequested = true
	if errs := update(t, as("alice"), obj, old); len(errs) > 0 {
		t.Fatalf("clear refused: %v", errs)
	}
	if obj.Status.PerceivedSeverity != o2ims.PerceivedSeverityCleared || obj.Status.AlarmClearedTime == nil {
		t.Errorf("clear status %+v", obj.Status)
	}
}

// TestRegressionOperatorClearStampedBeforeRaise: an operator cleared an alarm whose raise time,
// an alert's startsAt from a Prometheus whose clock ran ahead, was later than the server's now:
// alarmClearedTime was stored before alarmRaisedTime. Now the clear is stamped at the raise.
func TestRegressionOperatorClearStampedBeforeRaise(t *testing.T) {
	raised := metav1.NewTime(time.Now().Add(time.Hour).UTC().Truncate(time.Second))
	old := record()
	old.Status.AlarmRaisedTime = &raised
	obj := old.DeepCopy()
	obj.Spec.ClearRequested = true
	if errs := update(t, as("alice"), obj, old); len(errs) > 0 {
		t.Fatalf("clear refused: %v", errs)
	}
	if c := obj.Status.AlarmClearedTime; c == nil || c.Before(&raised) {
		t.Errorf("cleared at %v, before the alarm was raised at %v", c, raised)
	}
}

func TestWhatTheAlarmIsAboutIsImmutable(t *testing.T) {
	old := record()
	obj := record()
	obj.Spec.ObjectID = "9f1e3f1c-2d4a-4b5c-8d6e-7f8091a2b3c4"
	if errs := update(t, as("alice"), obj, old); len(errs) == 0 || !strings.Contains(strings.Join(errs, ""), "immutable") {
		t.Errorf("objectId change: %v, want refused as immutable", errs)
	}
}

// TestStatusEndpointCannotAcknowledge: the recorder owns the status, but not the record of
// who acknowledged.
func TestStatusEndpointCannotAcknowledge(t *testing.T) {
	old := record()
	obj := record()
	obj.Status.AlarmAcknowledged, obj.Status.AcknowledgedBy = true, "mallory"
	obj.Status.PerceivedSeverity = o2ims.PerceivedSeverityMinor
	keepAcknowledgement(as("mallory"), obj, old)
	if obj.Status.AlarmAcknowledged || obj.Status.AcknowledgedBy != "" || obj.Status.PerceivedSeverity != o2ims.PerceivedSeverityMinor {
		t.Errorf("status update %+v: want the severity changed and no acknowledgement", obj.Status)
	}
}

func TestTableShowsSeverityByName(t *testing.T) {
	rec := record()
	for _, c := range Kind().Columns {
		if c.Name == "Severity" && c.Cell(rec) != "MAJOR" {
			t.Errorf("severity cell %v, want MAJOR", c.Cell(rec))
		}
		if c.Name == "Object" && c.Cell(rec) != "Resource/0b9e3f1c-2d4a-4b5c-8d6e-7f8091a2b3c4" {
			t.Errorf("object cell %v", c.Cell(rec))
		}
	}
}
