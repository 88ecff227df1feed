package notify

import (
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// alarmNotificationV1 is the AlarmEventNotification of monitoring API 1.0.0, with its
// spellings (globalCloudID, resourceTypeID, ...). consumerSubscriptionId is spliced in per
// subscription (withConsumer). Required uuids that are unset are the nil UUID.
type alarmNotificationV1 struct {
	GlobalCloudID         string         `json:"globalCloudID"`
	NotificationEventType AlarmEventType `json:"notificationEventType"`
	ObjectRef             string         `json:"objectRef"`
	AlarmEventRecordID    string         `json:"alarmEventRecordId"`
	ResourceTypeID        string         `json:"resourceTypeID"`
	ResourceID            string         `json:"resourceID"`
	AlarmDefinitionID     string         `json:"alarmDefinitionID"`
	ProbableCauseID       string         `json:"probableCauseID"`
	AlarmRaisedTime       string         `json:"alarmRaisedTime"`
	AlarmChangedTime      string         `json:"alarmChangedTime"`
	AlarmAcknowledgeTime  string         `json:"alarmAcknowledgeTime,omitempty"`
	AlarmAcknowledged     bool           `json:"alarmAcknowledged"`
	PerceivedSeverity     int32          `json:"perceivedSeverity"`
	Extensions            map[string]any `json:"extensions"`
}

// alarmNotificationV2 is the alarm change notification of spec v10 (monitoring 2.0.0): the
// faulty object is objectClass, objectId and objectTypeId, ids end in "Id". It has exactly the
// attributes of spec v10 table 3.3.5.1.2-1, which has no alarmClearedTime (a CLEAR says when
// in alarmChangedTime; the record at objectRef has alarmClearedTime).
type alarmNotificationV2 struct {
	GlobalCloudID         string         `json:"globalCloudId"`
	NotificationEventType AlarmEventType `json:"notificationEventType"`
	ObjectRef             string         `json:"objectRef"`
	AlarmEventRecordID    string         `json:"alarmEventRecordId"`
	ObjectClass           string         `json:"objectClass"`
	ObjectID              string         `json:"objectId"`
	ObjectTypeID          string         `json:"objectTypeId"`
	AlarmDefinitionID     string         `json:"alarmDefinitionId"`
	ProbableCauseID       string         `json:"probableCauseId"`
	AlarmRaisedTime       string         `json:"alarmRaisedTime"`
	AlarmChangedTime      string         `json:"alarmChangedTime"`
	AlarmAcknowledgeTime  string         `json:"alarmAcknowledgeTime,omitempty"`
	AlarmAcknowledged     bool           `json:"alarmAcknowledged"`
	PerceivedSeverity     int32          `json:"perceivedSeverity"`
	Extensions            map[string]any `json:"extensions"`
}

// AlarmObjectRef is the path of an alarm under the apiRoot:
// /o2ims-infrastructureMonitoring/v{version}/alarms/{alarmEventRecordId}.
func AlarmObjectRef(rec *v1alpha1.AlarmEventRecord, version int) string {
	return fmt.Sprintf("/%s/v%d/alarms/%s", model.MonitoringAPIName, version, orNil(rec.Spec.AlarmEventRecordID))
}

// alarmNotification is the notification of rec as event type t in version, without
// consumerSubscriptionId.
func alarmNotification(rec *v1alpha1.AlarmEventRecord, t AlarmEventType, version int, globalCloudID string) any {
	s, st := &rec.Spec, &rec.Status
	raised := st.AlarmRaisedTime
	if raised == nil {
		raised = &rec.CreationTimestamp
	}
	// Required in 1.0.0: an alarm that never changed last changed when it was raised.
	changed := st.AlarmChangedTime
	if changed == nil {
		changed = raised
	}
	ext, _ := model.Redact(map[string]any{"extensions": model.ExtensionsObject(s.Extensions)})
	if version == model.Version1 {
		return &alarmNotificationV1{
			GlobalCloudID: orNil(globalCloudID), NotificationEventType: t, ObjectRef: AlarmObjectRef(rec, version),
			AlarmEventRecordID: orNil(s.AlarmEventRecordID), ResourceTypeID: orNil(s.ObjectTypeID), ResourceID: orNil(s.ObjectID),
			AlarmDefinitionID: orNil(s.AlarmDefinitionID), ProbableCauseID: orNil(s.ProbableCauseID),
			AlarmRaisedTime: timestamp(raised), AlarmChangedTime: timestamp(changed), AlarmAcknowledgeTime: timestamp(st.AlarmAcknowledgedTime),
			AlarmAcknowledged: st.AlarmAcknowledged, PerceivedSeverity: int32(st.PerceivedSeverity),
			Extensions: ext["extensions"].(map[string]any),
		}
	}
	return &alarmNotificationV2{
		GlobalCloudID: orNil(globalCloudID), NotificationEventType: t, ObjectRef: AlarmObjectRef(rec, version),
		AlarmEventRecordID: orNil(s.AlarmEventRecordID), ObjectClass: s.ObjectClass, ObjectID: orNil(s.ObjectID), ObjectTypeID: orNil(s.ObjectTypeID),
		AlarmDefinitionID: orNil(s.AlarmDefinitionID), ProbableCauseID: orNil(s.ProbableCauseID),
		AlarmRaisedTime: timestamp(raised), AlarmChangedTime: timestamp(changed), AlarmAcknowledgeTime: timestamp(st.AlarmAcknowledgedTime),
		AlarmAcknowledged: st.AlarmAcknowledged, PerceivedSeverity: int32(st.PerceivedSeverity),
		Extensions: ext["extensions"].(map[string]any),
	}
}

// timestamp is t as an RFC 3339 date-time in UTC, "" when unset.
func timestamp(t *metav1.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// alarmDocs renders the notifications of one AlarmEventRecord change: its event types are
// derived once, and each (version, type) body once for every subscription to share.
type alarmDocs struct {
	ev            *Event
	types         []AlarmEventType
	globalCloudID string
	tails         map[[2]int][]byte
}

func newAlarmDocs(ev *Event, rel Related) *alarmDocs {
	if rel == nil {
		rel = noRelated{}
	}
	return &alarmDocs{ev: ev, types: AlarmEvents(ev), globalCloudID: rel.GlobalCloudID(), tails: map[[2]int][]byte{}}
}

// render implements renderer: one notification per event type of the change that sub's
// filter does not exclude.
func (d *alarmDocs) render(sub *Subscription, _ access, add func(id string, body []byte)) error {
	for _, t := range d.types {
		if sub.AlarmExclusion.excludes(t) {
			continue
		}
		tail, err := d.tail(sub.Version, t)
		if err != nil {
			return err
		}
		add(notificationID(sub.UID, d.ev, int(t)), withConsumer(tail, sub.ConsumerID))
	}
	return nil
}

func (d *alarmDocs) tail(version int, t AlarmEventType) ([]byte, error) {
	key := [2]int{version, int(t)}
	if b, ok := d.tails[key]; ok {
		return b, nil
	}
	rec, ok := d.ev.Post.(*v1alpha1.AlarmEventRecord)
	if !ok {
		return nil, fmt.Errorf("alarm event without an AlarmEventRecord: %T", d.ev.Post)
	}
	b, err := json.Marshal(alarmNotification(rec, t, version, d.globalCloudID))
	if err != nil {
		return nil, fmt.Errorf("encode alarm notification: %w", err)
	}
	d.tails[key] = b
	return b, nil
}

// withConsumer returns the encoded object tail with consumerSubscriptionId as its first
// member, or tail itself when consumerID is empty.
func withConsumer(tail []byte, consumerID string) []byte {
	if consumerID == "" {
		return tail
	}
	qc, _ := json.Marshal(consumerID)
	body := make([]byte, 0, len(tail)+len(qc)+28)
	body = append(body, `{"consumerSubscriptionId":`...)
	body = append(body, qc...)
	body = append(body, ',')
	return append(body, tail[1:]...)
}
