package o2rest

import (
	"net/url"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionSeverityFilterFindsAlarmWhoseClearWasAccepted: an alarm whose clear was
// accepted (spec.clearRequested) reads perceivedSeverity 5 (CLEARED) before the recorder
// updates status. The severity filter was pushed down to the stored status, so
// (eq,perceivedSeverity,5) missed the alarm while the same filter evaluated on the document
// ("05") found it, and (eq,perceivedSeverity,1) returned an alarm whose body said 5.
func TestRegressionSeverityFilterFindsAlarmWhoseClearWasAccepted(t *testing.T) {
	list := clearingAlarmLister(t, "a1000000-0000-4000-8000-0000000000c5")
	if got := list("(eq,perceivedSeverity,05)"); len(got) != 1 {
		t.Fatalf("in memory: %d alarms, want the clear-requested one", len(got))
	}
	if got := list("(eq,perceivedSeverity,5)"); len(got) != 1 {
		t.Errorf("pushed down (eq,perceivedSeverity,5): %d alarms, want the clear-requested one (it reads perceivedSeverity 5)", len(got))
	}
	for _, doc := range list("(eq,perceivedSeverity,1)") {
		if doc["perceivedSeverity"] != float64(1) {
			t.Errorf("(eq,perceivedSeverity,1) returned an alarm whose perceivedSeverity is %v", doc["perceivedSeverity"])
		}
	}
}

// Review 42c: with an apiRoot that has a path prefix (--o2ims-api-root=https://gw/o2, a gateway

// TestRegressionSeverityBesideAnotherIndexedTermReadsTheDocumentsSeverity: with a second
// pushed-down term, the index answers one of them and the source checks the others on each
// candidate. It checked the severity on the stored status, not on what the document shows, so
// (eq,alarmDefinitionId,X);(eq,perceivedSeverity,5) missed an alarm whose clear was accepted
// and (...;(eq,perceivedSeverity,1)), its stored severity, returned one whose body said 5.
func TestRegressionSeverityBesideAnotherIndexedTermReadsTheDocumentsSeverity(t *testing.T) {
	const alarmID = "a1000000-0000-4000-8000-0000000000c6"
	list := clearingAlarmLister(t, alarmID)
	for _, other := range []string{"(eq,alarmDefinitionId," + dmID + ")", "(eq,alarmEventRecordId," + alarmID + ")", "(eq,objectId," + res1 + ")"} {
		if got := list(other + ";(eq,perceivedSeverity,5)"); len(got) != 1 {
			t.Errorf("%s;(eq,perceivedSeverity,5): %d alarms, want the clear-requested one (it reads perceivedSeverity 5)", other, len(got))
		}
		for _, doc := range list(other + ";(eq,perceivedSeverity,1)") {
			if doc["perceivedSeverity"] != float64(1) {
				t.Errorf("%s;(eq,perceivedSeverity,1) returned an alarm whose perceivedSeverity is %v", other, doc["perceivedSeverity"])
			}
		}
	}
}

// clearingAlarmLister lists, as a cluster-wide admin, the alarms matching a filter beside an
// alarm of id whose clear was accepted (clearRequested) while its stored status still says
// MAJOR.
func clearingAlarmLister(t *testing.T, id string) func(filter string) []map[string]any {
	t.Helper()
	a := &o2v1.AlarmEventRecord{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "clearing", ResourceVersion: "5", UID: types.UID("uid-clearing")},
		Spec: o2v1.AlarmEventRecordSpec{AlarmEventRecordID: id, Source: o2v1.AlarmSource{Name: "node-conditions", Key: "clearing"},
			ObjectClass: "Resource", ObjectID: res1, ObjectTypeID: typeID, AlarmDefinitionID: dmID, ProbableCauseID: ocloudID, ClearRequested: true},
		Status: o2v1.AlarmEventRecordStatus{PerceivedSeverity: o2v1.PerceivedSeverityMajor, AlarmRaisedTime: &metav1.Time{}},
	}
	e := newEnvOf(t, append(fixtures(), a), func(c *Config) {})
	return func(filter string) []map[string]any {
		r := e.do("GET", "admin-token", monitoring+"/v2/alarms?filter="+url.QueryEscape(filter), "")
		e.expect(r, 200, filter)
		return decodeList(t, r.body)
	}
}
