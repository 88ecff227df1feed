package notify

import (
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// AlarmEventType is the notificationEventType of an AlarmEventNotification.
type AlarmEventType int

// The alarm event types of O2-IMS monitoring.
const (
	AlarmNew         AlarmEventType = 0
	AlarmChange      AlarmEventType = 1
	AlarmClear       AlarmEventType = 2
	AlarmAcknowledge AlarmEventType = 3
)

// alarmEventTypes are every alarm event type, in the order of their values.
var alarmEventTypes = [...]AlarmEventType{AlarmNew, AlarmChange, AlarmClear, AlarmAcknowledge}

func (t AlarmEventType) String() string {
	switch t {
	case AlarmNew:
		return "NEW"
	case AlarmChange:
		return "CHANGE"
	case AlarmClear:
		return "CLEAR"
	case AlarmAcknowledge:
		return "ACKNOWLEDGE"
	}
	return "UNKNOWN"
}

// AlarmEvents returns the alarm event types a change of an AlarmEventRecord is notified as, in
// the order they are sent (see the package documentation for the mapping):
//
//   - created, or found by a re-list without a recorded prior state: NEW;
//   - perceivedSeverity became CLEARED (5): CLEAR;
//   - otherwise, when the alarm is active afterwards and its perceivedSeverity or text
//     changed: CHANGE (this includes an alarm raised again from CLEARED);
//   - alarmAcknowledged turned true: ACKNOWLEDGE, after the CLEAR or CHANGE of the same update;
//   - anything else (metadata, the operator's requests before the server acts on them, a text
//     change of a cleared alarm, deletion by retention or purge): nothing.
//
// ev.Type tells creation from modification and deletion; prior and post are the states.
func AlarmEvents(ev *Event) []AlarmEventType {
	post, _ := ev.Post.(*v1alpha1.AlarmEventRecord)
	switch ev.Type {
	case Create:
		if post == nil {
			return nil
		}
		return []AlarmEventType{AlarmNew}
	case Modify:
		prior, _ := ev.Prior.(*v1alpha1.AlarmEventRecord)
		if prior == nil || post == nil {
			return nil
		}
		return alarmTransitions(&prior.Status, &post.Status)
	}
	return nil
}

func alarmTransitions(prior, post *v1alpha1.AlarmEventRecordStatus) []AlarmEventType {
	var out []AlarmEventType
	cleared := post.PerceivedSeverity == v1alpha1.PerceivedSeverityCleared
	switch {
	case cleared && prior.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared:
		out = append(out, AlarmClear)
	case !cleared && (prior.PerceivedSeverity != post.PerceivedSeverity || prior.Text != post.Text):
		out = append(out, AlarmChange)
	}
	if post.AlarmAcknowledged && !prior.AlarmAcknowledged {
		out = append(out, AlarmAcknowledge)
	}
	return out
}
