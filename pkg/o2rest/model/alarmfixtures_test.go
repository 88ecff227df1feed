package model_test

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

const (
	idAlarm      = "5f768e89-2ae1-477d-9978-173056154d5d"
	idDefinition = "a3a505c7-84dc-4cff-baf8-36f33b3e70fc"
	idCause      = "b3cd1cc7-8e5c-42fe-aaf5-59fd94e33a8a"
	idAlarmSub   = "3ddc1128-a14d-46de-80da-6414b192ce9f"
	idTask       = "0c5b3a6e-9d1f-4e2a-8b7c-6d5e4f3a2b1c"
)

func at(hour int) *metav1.Time {
	t := metav1.NewTime(time.Date(2042, 7, 21, hour, 32, 28, 0, time.UTC))
	return &t
}

func fullAlarm() *v1alpha1.AlarmEventRecord {
	return &v1alpha1.AlarmEventRecord{
		Spec: v1alpha1.AlarmEventRecordSpec{
			AlarmEventRecordID: idAlarm, Source: v1alpha1.AlarmSource{Name: "node-conditions", Key: "n1/Ready"},
			ObjectClass: "Resource", ObjectID: idResource, ObjectTypeID: idType, AlarmDictionaryID: idAlarmDic,
			AlarmDefinitionID: idDefinition, ProbableCauseID: idCause, AlarmName: "CLUSTERNODE_CRITICAL",
			Extensions: richExtensions(), Acknowledged: true,
		},
		Status: v1alpha1.AlarmEventRecordStatus{
			PerceivedSeverity: v1alpha1.PerceivedSeverityMajor, AlarmRaisedTime: at(17), AlarmChangedTime: at(18),
			AlarmClearedTime: at(20), AlarmAcknowledgedTime: at(19), AlarmAcknowledged: true, AcknowledgedBy: "smo",
		},
	}
}

func minAlarm() *v1alpha1.AlarmEventRecord {
	return &v1alpha1.AlarmEventRecord{Spec: v1alpha1.AlarmEventRecordSpec{
		Source: v1alpha1.AlarmSource{Name: "s", Key: "k"}, ObjectClass: "OCloud", ObjectID: idOCloud}}
}

func fullAlarmDictionary() *v1alpha1.AlarmDictionary {
	return &v1alpha1.AlarmDictionary{Spec: v1alpha1.AlarmDictionarySpec{
		AlarmDictionaryID: idAlarmDic, ResourceTypeID: idType, AlarmDictionaryVersion: "1.0",
		AlarmDictionarySchemaVersion: "1.0", EntityType: "node", Vendor: "ACME",
		ManagementInterfaceID: []string{"O2IMS"}, PKNotificationField: []string{"alarmDefinitionID"},
		AlarmDefinitions: []v1alpha1.AlarmDefinition{{
			AlarmDefinitionID: idDefinition, AlarmName: "CLUSTERNODE_CRITICAL", AlarmLastChange: "1.0",
			AlarmChangeType: v1alpha1.AlarmChangeTypeModified, AlarmDescription: "node down",
			ProposedRepairActions: "reboot", ClearingType: v1alpha1.ClearingTypeManual,
			ManagementInterfaceID: []string{"O2IMS"}, PKNotificationField: []string{"alarmDefinitionID"},
			AlarmAdditionalFields: map[string]string{"runbook": "https://runbooks/node"},
		}},
	}}
}

func minAlarmDictionary() *v1alpha1.AlarmDictionary {
	return &v1alpha1.AlarmDictionary{Spec: v1alpha1.AlarmDictionarySpec{
		AlarmDefinitions: []v1alpha1.AlarmDefinition{{AlarmName: "X"}}}}
}

func fullAlarmSubscription() *v1alpha1.AlarmSubscription {
	return &v1alpha1.AlarmSubscription{Spec: v1alpha1.AlarmSubscriptionSpec{
		AlarmSubscriptionID: idAlarmSub, ConsumerSubscriptionID: idConsumer, Filter: "ACKNOWLEDGE",
		Callback: "https://smo.example.com/alarms"}}
}

func fullServiceConfiguration() *v1alpha1.AlarmServiceConfiguration {
	days := int32(30)
	return &v1alpha1.AlarmServiceConfiguration{Spec: v1alpha1.AlarmServiceConfigurationSpec{
		RetentionPeriod: &days, Extensions: richExtensions()}}
}

func fullPurge() *v1alpha1.AlarmPurge {
	return &v1alpha1.AlarmPurge{
		Spec: v1alpha1.AlarmPurgeSpec{TaskID: idTask, AlarmRecordIDs: []string{idAlarm},
			PurgeConditions: &v1alpha1.PurgeConditions{StartWindowTime: at(1), EndWindowTime: *at(2)}},
		Status: v1alpha1.AlarmPurgeStatus{OperationState: v1alpha1.PurgeOperationStateCompleted,
			StateEnteredTime: at(4), StartTime: at(3), Purged: 1},
	}
}

// alarmMapped maps the full and the minimal object of every monitoring kind, and the alarm
// dictionary, in every version they exist in.
func alarmMapped() []mapped {
	var out []mapped
	add := func(name string, kind model.Kind, version int, doc map[string]any) {
		out = append(out, mapped{name, kind, version, doc})
	}
	for _, c := range []struct {
		name  string
		alarm *v1alpha1.AlarmEventRecord
		dict  *v1alpha1.AlarmDictionary
		sub   *v1alpha1.AlarmSubscription
		conf  *v1alpha1.AlarmServiceConfiguration
		purge *v1alpha1.AlarmPurge
	}{
		{"full", fullAlarm(), fullAlarmDictionary(), fullAlarmSubscription(), fullServiceConfiguration(), fullPurge()},
		{"minimal", minAlarm(), minAlarmDictionary(), &v1alpha1.AlarmSubscription{Spec: v1alpha1.AlarmSubscriptionSpec{Callback: "https://smo/cb"}},
			nil, &v1alpha1.AlarmPurge{}},
	} {
		add(c.name, model.KindAlarmEventRecord, 1, model.AlarmEventRecordV1(c.alarm))
		add(c.name, model.KindAlarmEventRecord, 2, model.AlarmEventRecordV2(c.alarm))
		add(c.name, model.KindAlarmDictionary, 1, model.AlarmDictionaryDoc(c.dict))
		add(c.name, model.KindAlarmDictionary, 2, model.AlarmDictionaryDoc(c.dict))
		add(c.name, model.KindAlarmSubscription, 1, model.AlarmSubscriptionV1(c.sub))
		add(c.name, model.KindAlarmSubscription, 2, model.AlarmSubscriptionV2(c.sub))
		add(c.name, model.KindAlarmServiceConfiguration, 1, model.AlarmServiceConfigurationDoc(c.conf))
		add(c.name, model.KindAlarmServiceConfiguration, 2, model.AlarmServiceConfigurationDoc(c.conf))
		add(c.name, model.KindTaskOperation, 2, model.TaskOperationInfoV2(c.purge))
	}
	return out
}
