package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

// TaskOperationInfoV2 is the spec v10 TaskOperationInfo of an alarm purge. A purge no worker
// has picked up yet is PROCESSING since its creation: it has been accepted (202) and nothing
// else can be said of it. operationParams is the PurgeRequest the task carries out.
func TaskOperationInfoV2(p *v1alpha1.AlarmPurge) map[string]any {
	st := &p.Status
	created := formatTime(p.CreationTimestamp.Time)
	state := orDefault(string(st.OperationState), string(v1alpha1.PurgeOperationStateProcessing))
	m := map[string]any{
		"id":               uuidOrNil(p.Spec.TaskID),
		"operation":        "PURGE",
		"operationState":   state,
		"stateEnteredTime": created,
		"startTime":        created,
		"operationParams":  PurgeRequestDoc(&p.Spec),
	}
	putTime(m, "stateEnteredTime", st.StateEnteredTime)
	putTime(m, "startTime", st.StartTime)
	return m
}

// PurgeRequestDoc is the spec v10 PurgeRequest a purge was made from.
func PurgeRequestDoc(s *v1alpha1.AlarmPurgeSpec) map[string]any {
	m := map[string]any{"alarmRecordId": stringList(s.AlarmRecordIDs)}
	if c := s.PurgeConditions; c != nil {
		cond := map[string]any{"endWindowTime": formatTime(c.EndWindowTime.Time)}
		putTime(cond, "startWindowTime", c.StartWindowTime)
		m["purgeConditions"] = cond
	}
	return m
}
