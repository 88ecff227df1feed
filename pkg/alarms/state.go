package alarms

import (
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// Event is the O2-IMS notificationEventType of an alarm change.
type Event int

// The notificationEventType values of O2-IMS (monitoring API 1.0.0 and spec v10).
const (
	EventNew         Event = 0
	EventChange      Event = 1
	EventClear       Event = 2
	EventAcknowledge Event = 3
)

// ErrConflict is the cause of every refused request that finds the alarm already in the state
// it asks for; the O2 face answers it with 409.
var ErrConflict = errors.New("the alarm is already in the requested state")

// Transition is one decision of the state machine.
type Transition struct {
	// Record is the record to write: a new one when Create, else the updated current record.
	// Nil when nothing changes.
	Record *v1alpha1.AlarmEventRecord
	// Create says Record is a new record (an alarm raised); otherwise it replaces the current.
	Create bool
	// Event is the notification the change causes; meaningful when Record is set.
	Event Event
}

// Observe decides what observation o does to current, the latest record of o's fault (nil
// when there is none). A fault with no active record is raised as a new record (NEW); an
// active record changes when the severity or the text does (CHANGE) and is cleared when the
// fault is gone (CLEAR). now is when the recorder decides.
//
// An occurrence cleared while its fault is still present (an operator cleared an AUTOMATIC
// definition's alarm, or its object moved to another namespace) is raised again as a new record
// whose occurrence begins at the clear, so its id differs from the cleared one's and stays the
// same across restarts; so is every later clear of the same occurrence. current may be in
// another namespace than o's object: the new record is in o's.
func Observe(ids IDSpace, current *v1alpha1.AlarmEventRecord, o Observation, def Definition, now time.Time) Transition {
	o.Text = Cut(o.Text, validation.MaxAlarmTextLength)
	if current == nil || cleared(current) {
		if !o.Active {
			return Transition{}
		}
		since := o.Since
		if current != nil && sameOccurrence(ids, current, o) {
			// The stored time has second precision; the id must not depend on whether the
			// record was read back from the store.
			since = clearedAt(current, now).Truncate(time.Second)
			if raised := current.Status.AlarmRaisedTime; raised != nil && !since.After(raised.Time) {
				// Cleared within the second it was raised in: the next second keeps the ids
				// apart.
				since = raised.Time.UTC().Truncate(time.Second).Add(time.Second)
			}
		}
		return Transition{Record: newRecord(ids, o, def, since), Create: true, Event: EventNew}
	}
	rec := current.DeepCopy()
	at := metav1.NewTime(now.UTC())
	if o.Active && o.Occurrences && !sameOccurrence(ids, current, o) {
		// A new occurrence of a fault whose earlier one is still raised: that one ended
		// unseen, at the latest when this began. Cleared (then, decided again, this one is
		// raised under its own id), rather than merged into the old alarm, which kept its
		// raise time and told the SMO neither CLEAR nor NEW.
		end := o.Since
		if raised := current.Status.AlarmRaisedTime; raised != nil && end.Before(raised.Time) {
			end = raised.Time
		}
		markCleared(rec, metav1.NewTime(end.UTC()))
		return Transition{Record: rec, Event: EventClear}
	}
	if !o.Active {
		end := now
		if !o.Since.IsZero() {
			end = o.Since
		}
		if earlierOccurrence(ids, current, o, end) {
			return Transition{}
		}
		// An alarm is never cleared before it was raised (the end of a re-raised occurrence
		// may precede the re-raise; a node condition's transition time is the kubelet's
		// clock): the clear is stamped at the raise then.
		if raised := current.Status.AlarmRaisedTime; raised != nil && end.Before(raised.Time) {
			end = raised.Time
		}
		markCleared(rec, metav1.NewTime(end.UTC()))
		return Transition{Record: rec, Event: EventClear}
	}
	severity := v1alpha1.PerceivedSeverity(o.Severity)
	if rec.Status.PerceivedSeverity == severity && rec.Status.Text == o.Text {
		return Transition{}
	}
	rec.Status.PerceivedSeverity, rec.Status.Text = severity, o.Text
	rec.Status.AlarmChangedTime = &at
	return Transition{Record: rec, Event: EventChange}
}

// Acknowledge records user's acknowledgement of current (ACKNOWLEDGE). Acknowledging an
// acknowledged alarm is a conflict.
func Acknowledge(current *v1alpha1.AlarmEventRecord, user string, now time.Time) (Transition, error) {
	if current.Status.AlarmAcknowledged {
		return Transition{}, fmt.Errorf("acknowledge alarm %s: already acknowledged: %w", current.Spec.AlarmEventRecordID, ErrConflict)
	}
	rec := current.DeepCopy()
	at := metav1.NewTime(now.UTC())
	rec.Spec.Acknowledged = true
	rec.Status.AlarmAcknowledged = true
	rec.Status.AlarmAcknowledgedTime = &at
	rec.Status.AcknowledgedBy = user
	return Transition{Record: rec, Event: EventAcknowledge}, nil
}

// Clear clears current at an operator's request (CLEAR), whatever its definition's clearing
// type: a MANUAL alarm is only ever cleared so, and an AUTOMATIC one whose fault is still
// present is raised anew by the next observation (Observe). Clearing a cleared alarm is a
// conflict.
func Clear(current *v1alpha1.AlarmEventRecord, now time.Time) (Transition, error) {
	if cleared(current) {
		return Transition{}, fmt.Errorf("clear alarm %s: already cleared: %w", current.Spec.AlarmEventRecordID, ErrConflict)
	}
	rec := current.DeepCopy()
	rec.Spec.ClearRequested = true
	markCleared(rec, metav1.NewTime(now.UTC()))
	return Transition{Record: rec, Event: EventClear}, nil
}

// EventOf is the notification an update of a record from old to cur causes, for changes the
// recorder did not decide itself (an acknowledgement or clear made through the Kubernetes API):
// false when the update changes nothing an SMO is notified of. old is nil for a new record.
func EventOf(old, cur *v1alpha1.AlarmEventRecord) (Event, bool) {
	switch {
	case old == nil:
		return EventNew, true
	case !old.Status.AlarmAcknowledged && cur.Status.AlarmAcknowledged:
		return EventAcknowledge, true
	case !cleared(old) && cleared(cur):
		return EventClear, true
	case old.Status.PerceivedSeverity != cur.Status.PerceivedSeverity || old.Status.Text != cur.Status.Text:
		return EventChange, true
	}
	return 0, false
}

// Overtaken reports whether o, an active fault as its source read it at asOf, is older than
// current, the fault's latest record: the source itself cleared this very occurrence, there,
// after asOf (a resync read the active alerts, then the webhook delivered the resolution before
// the resync stated what it read). Raising it again would tell a NEW and, at the next resync, a
// CLEAR for nothing. An observation made after the clear is not overtaken: a fault reported
// active again with its old start (Prometheus restored an alert's state after Alertmanager
// resolved it) is raised anew.
func Overtaken(ids IDSpace, current *v1alpha1.AlarmEventRecord, o Observation, asOf time.Time) bool {
	return current != nil && o.Active && cleared(current) && !current.Spec.ClearRequested &&
		current.Namespace == o.Object.Namespace && sameOccurrence(ids, current, o) &&
		!clearedAt(current, asOf).Before(asOf.Truncate(time.Second))
}

// earlierOccurrence reports whether o, the end of the occurrence of its fault that began at
// o.Started, is about an occurrence before active, the fault's active record: that occurrence
// ended (at end) before active was raised, and active is not its first record. A late
// resolution (an HA Alertmanager peer, a delayed retry) of an occurrence that was followed by
// another must not clear the later one. Without o.Started (a source that does not tell) the
// end is taken for the active record's.
func earlierOccurrence(ids IDSpace, active *v1alpha1.AlarmEventRecord, o Observation, end time.Time) bool {
	raised := active.Status.AlarmRaisedTime
	if o.Started.IsZero() || raised == nil {
		return false
	}
	if active.Spec.AlarmEventRecordID == RecordID(ids, o.Source, o.Key, o.Started) {
		return false
	}
	// The stored raise time has second precision.
	return end.Truncate(time.Second).Before(raised.Time)
}

// sameOccurrence reports whether rec, a cleared record of o's fault, was raised for the
// occurrence o reports: it is the occurrence's first record (its id is the one of o.Since), or
// one raised since the occurrence began (a re-raise after an earlier clear). A record raised
// before o.Since is of an earlier occurrence, which ended.
func sameOccurrence(ids IDSpace, rec *v1alpha1.AlarmEventRecord, o Observation) bool {
	if rec.Spec.AlarmEventRecordID == RecordID(ids, o.Source, o.Key, o.Since) {
		return true
	}
	raised := rec.Status.AlarmRaisedTime
	return raised != nil && !raised.Time.Before(o.Since.Truncate(time.Second))
}

func cleared(rec *v1alpha1.AlarmEventRecord) bool {
	return rec.Status.PerceivedSeverity == v1alpha1.PerceivedSeverityCleared
}

func markCleared(rec *v1alpha1.AlarmEventRecord, at metav1.Time) {
	rec.Status.PerceivedSeverity = v1alpha1.PerceivedSeverityCleared
	rec.Status.AlarmClearedTime = &at
	rec.Status.AlarmChangedTime = at.DeepCopy()
}

func clearedAt(rec *v1alpha1.AlarmEventRecord, fallback time.Time) time.Time {
	if t := rec.Status.AlarmClearedTime; t != nil && !t.IsZero() {
		return t.UTC()
	}
	return fallback.UTC()
}
