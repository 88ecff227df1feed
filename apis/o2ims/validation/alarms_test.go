package validation

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims"
)

func TestAlarmServiceConfigurationRetention(t *testing.T) {
	cfg := func(days *int32, name string) *o2ims.AlarmServiceConfiguration {
		return &o2ims.AlarmServiceConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: o2ims.AlarmServiceConfigurationSpec{RetentionPeriod: days}}
	}
	zero, one := int32(0), int32(1)
	if errs := ValidateAlarmServiceConfiguration(cfg(&one, SingletonName)); len(errs) > 0 {
		t.Errorf("1 day: %v", errs)
	}
	if errs := ValidateAlarmServiceConfiguration(cfg(&zero, SingletonName)); len(errs) != 1 || errs[0].Field != "spec.retentionPeriod" {
		t.Errorf("0 days: %v, want one error on spec.retentionPeriod", errs)
	}
	if errs := ValidateAlarmServiceConfiguration(cfg(nil, SingletonName)); len(errs) != 1 || errs[0].Field != "spec.retentionPeriod" {
		t.Errorf("no retention: %v", errs)
	}
	if errs := ValidateAlarmServiceConfiguration(cfg(&one, "other")); len(errs) != 1 || errs[0].Field != "metadata.name" {
		t.Errorf("another name: %v, want the singleton error", errs)
	}
}

func TestAlarmDictionary(t *testing.T) {
	const causeID = "a2b3c4d5-0000-4000-8000-000000000001"
	dict := func() *o2ims.AlarmDictionary {
		return &o2ims.AlarmDictionary{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns"}, Spec: o2ims.AlarmDictionarySpec{
			AlarmDictionaryID: id1, AlarmDictionaryVersion: "1", AlarmDictionarySchemaVersion: "2.0", EntityType: "node", Vendor: "netweave",
			ManagementInterfaceID: []string{"O2IMS"},
			ProbableCauses:        []o2ims.ProbableCause{{ProbableCauseID: causeID, ProbableCauseCode: "NODE_DOWN"}},
			AlarmDefinitions: []o2ims.AlarmDefinition{
				{AlarmDefinitionID: id2, AlarmName: "CLUSTERNODE_CRITICAL", ClearingType: o2ims.ClearingTypeAutomatic, ProbableCauseIDs: []string{causeID}},
			},
		}}
	}
	if errs := ValidateAlarmDictionary(dict()); len(errs) > 0 {
		t.Fatalf("valid dictionary: %v", errs)
	}
	d := dict()
	d.Spec.AlarmDefinitions = append(d.Spec.AlarmDefinitions, o2ims.AlarmDefinition{
		AlarmDefinitionID: "a2b3c4d5-0000-4000-8000-000000000002", AlarmName: "CLUSTERNODE_CRITICAL", ClearingType: "SOMETIMES",
		ProbableCauseIDs: []string{"a2b3c4d5-0000-4000-8000-0000000000ff"}})
	msgs := ValidateAlarmDictionary(d).ToAggregate().Error()
	for _, want := range []string{"spec.alarmDefinition[1].alarmName: Duplicate", "spec.alarmDefinition[1].clearingType: Unsupported", "spec.alarmDefinition[1].probableCauseIds[0]: Not found"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("errors %q lack %q", msgs, want)
		}
	}
	d = dict()
	d.Spec.AlarmDefinitions[0].AlarmDefinitionID = "not-a-uuid"
	if errs := ValidateAlarmDictionary(d); len(errs) != 1 || errs[0].Field != "spec.alarmDefinition[0].alarmDefinitionId" {
		t.Errorf("bad definition id: %v", errs)
	}
}

func TestAlarmEventRecord(t *testing.T) {
	rec := &o2ims.AlarmEventRecord{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns"}, Spec: o2ims.AlarmEventRecordSpec{
		AlarmEventRecordID: id1, Source: o2ims.AlarmSource{Name: "node-conditions", Key: "k"}, ObjectClass: "Resource", ObjectID: id2,
	}, Status: o2ims.AlarmEventRecordStatus{PerceivedSeverity: o2ims.PerceivedSeverityCleared}}
	if errs := ValidateAlarmEventRecord(rec); len(errs) > 0 {
		t.Fatalf("valid record: %v", errs)
	}
	rec.Spec.ObjectClass = "Pod"
	rec.Status.PerceivedSeverity = 6
	msgs := ValidateAlarmEventRecord(rec).ToAggregate().Error()
	if !strings.Contains(msgs, "spec.objectClass") || !strings.Contains(msgs, "status.perceivedSeverity") {
		t.Errorf("errors %q", msgs)
	}
}
