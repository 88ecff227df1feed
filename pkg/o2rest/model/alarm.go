package model

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// AlarmEventRecordV1 is an AlarmEventRecord of monitoring API 1.0.0: the faulty object is
// resourceTypeID/resourceID, references end in upper-case ID.
func AlarmEventRecordV1(a *v1alpha1.AlarmEventRecord) map[string]any {
	m := alarmEventRecord(a, 14)
	s := &a.Spec
	m["alarmDefinitionID"] = uuidOrNil(s.AlarmDefinitionID)
	m["probableCauseID"] = uuidOrNil(s.ProbableCauseID)
	m["resourceTypeID"] = uuidOrNil(s.ObjectTypeID)
	m["resourceID"] = uuidOrNil(s.ObjectID)
	putTime(m, "alarmAcknowledgedTime", a.Status.AlarmAcknowledgedTime)
	return m
}

// AlarmEventRecordV2 is an AlarmEventRecord of spec v10: the faulty object is objectTypeId
// (absent when its class has no type), objectId and objectClass.
func AlarmEventRecordV2(a *v1alpha1.AlarmEventRecord) map[string]any {
	m := alarmEventRecord(a, 15)
	s := &a.Spec
	if s.ObjectTypeID != "" {
		m["objectTypeId"] = s.ObjectTypeID
	}
	m["objectId"] = uuidOrNil(s.ObjectID)
	m["objectClass"] = s.ObjectClass
	m["alarmDefinitionId"] = uuidOrNil(s.AlarmDefinitionID)
	m["probableCauseId"] = uuidOrNil(s.ProbableCauseID)
	putTime(m, "alarmAcknowledgeTime", a.Status.AlarmAcknowledgedTime)
	return m
}

// alarmEventRecord maps what both versions share. The operator's requests count as soon as
// they are stored: an alarm whose clear or acknowledgement was accepted shows cleared or
// acknowledged, even before the recorder has recorded the times in status, so an SMO reads
// back what its PATCH did.
func alarmEventRecord(a *v1alpha1.AlarmEventRecord, size int) map[string]any {
	s, st := &a.Spec, &a.Status
	m := make(map[string]any, size)
	m["alarmEventRecordId"] = uuidOrNil(s.AlarmEventRecordID)
	raised := st.AlarmRaisedTime
	if raised == nil {
		raised = &a.CreationTimestamp
	}
	m["alarmRaisedTime"] = formatTime(raised.Time)
	putTime(m, "alarmChangedTime", st.AlarmChangedTime)
	putTime(m, "alarmClearedTime", st.AlarmClearedTime)
	m["alarmAcknowledged"] = AlarmAcknowledged(a)
	m["perceivedSeverity"] = int64(AlarmSeverity(a))
	m["extensions"] = extensionsObject(s.Extensions)
	return m
}

// AlarmAcknowledged reports whether the alarm is acknowledged or its acknowledgement accepted.
func AlarmAcknowledged(a *v1alpha1.AlarmEventRecord) bool {
	return a.Status.AlarmAcknowledged || a.Spec.Acknowledged
}

// AlarmSeverity is the perceivedSeverity an alarm's document shows: 5 (CLEARED) as soon as
// its clear is accepted, before the recorder writes it in status.
func AlarmSeverity(a *v1alpha1.AlarmEventRecord) v1alpha1.PerceivedSeverity {
	if AlarmCleared(a) {
		return v1alpha1.PerceivedSeverityCleared
	}
	return a.Status.PerceivedSeverity
}

// AlarmCleared reports whether the alarm is cleared or its clear accepted.
func AlarmCleared(a *v1alpha1.AlarmEventRecord) bool {
	return a.Status.PerceivedSeverity == v1alpha1.PerceivedSeverityCleared || a.Spec.ClearRequested
}

func putTime(m map[string]any, name string, t *metav1.Time) {
	if t != nil && !t.IsZero() {
		m[name] = formatTime(t.Time)
	}
}

// formatTime is the date-time form of the O2 documents: RFC 3339 in UTC, as Kubernetes
// timestamps are stored.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// AlarmSubscriptionV1 is an AlarmSubscriptionInfo of 1.0.0, whose filter is one of NEW,
// CHANGE, CLEAR or ACKNOWLEDGE (the event type not to report).
func AlarmSubscriptionV1(s *v1alpha1.AlarmSubscription) map[string]any { return alarmSubscription(s) }

// AlarmSubscriptionV2 is an AlarmSubscriptionInfo of spec v10, whose filter is free text.
func AlarmSubscriptionV2(s *v1alpha1.AlarmSubscription) map[string]any { return alarmSubscription(s) }

// alarmSubscription leaves the optional attributes out when unset (1.0.0 types
// consumerSubscriptionId as a uuid, so "" would not validate).
func alarmSubscription(sub *v1alpha1.AlarmSubscription) map[string]any {
	s := &sub.Spec
	m := make(map[string]any, 4)
	if s.AlarmSubscriptionID != "" {
		m["alarmSubscriptionId"] = s.AlarmSubscriptionID
	}
	if s.ConsumerSubscriptionID != "" {
		m["consumerSubscriptionId"] = s.ConsumerSubscriptionID
	}
	if s.Filter != "" {
		m["filter"] = s.Filter
	}
	m["callback"] = s.Callback
	return m
}

// AlarmServiceConfigurationDoc is the AlarmServiceConfiguration of either version; c may be nil
// (no object stored yet), which shows the defaults the alarm service runs with.
func AlarmServiceConfigurationDoc(c *v1alpha1.AlarmServiceConfiguration) map[string]any {
	retention := v1alpha1.DefaultAlarmRetentionDays
	var ext v1alpha1.Extensions
	if c != nil {
		if c.Spec.RetentionPeriod != nil {
			retention = *c.Spec.RetentionPeriod
		}
		ext = c.Spec.Extensions
	}
	return map[string]any{"retentionPeriod": int64(retention), "extensions": extensionsObject(ext)}
}
