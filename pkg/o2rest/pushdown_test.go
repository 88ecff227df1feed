package o2rest

import (
	"testing"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
)

// A severity filter is what SMOs send most on alarms: it is answered from the field index,
// but only in the decimal form the index holds; other spellings of the same number ("02")
// match in memory, so they must stay there rather than find nothing in the index.
func TestSeverityFilterIsPushedDownInItsIndexedFormOnly(t *testing.T) {
	specs := newKindSpecs()
	for _, v := range []int{model.Version1, model.Version2} {
		s := specs[model.KindAlarmEventRecord][v]
		for filter, pushed := range map[string]string{
			"(eq,perceivedSeverity,2)":                              "status.perceivedSeverity=2",
			"(eq,perceivedSeverity,0)":                              "status.perceivedSeverity=0",
			"(in,perceivedSeverity,0)":                              "status.perceivedSeverity=0",
			"(eq,perceivedSeverity,02)":                             "",
			"(eq,perceivedSeverity,+2)":                             "",
			"(in,perceivedSeverity,0,1)":                            "",
			"(neq,perceivedSeverity,5)":                             "",
			"(eq,perceivedSeverity,2);(eq,alarmAcknowledged,false)": "status.perceivedSeverity=2",
		} {
			f, err := query.ParseFilter(filter)
			if err != nil {
				t.Fatalf("%s: %v", filter, err)
			}
			sel, rest := s.split(f)
			got := ""
			if sel != nil {
				got = sel.String()
			}
			if got != pushed {
				t.Errorf("v%d %s: pushed down %q, want %q", v, filter, got, pushed)
			}
			if len(rest)+len(f) == 0 || (pushed == "" && len(rest) != len(f)) {
				t.Errorf("v%d %s: %d of %d terms left in memory", v, filter, len(rest), len(f))
			}
		}
	}
}

// Pushed down or evaluated in memory, a severity filter selects the same alarms.
func TestSeverityFilterSelectsTheSameAlarmsEitherWay(t *testing.T) {
	e := newMonitoringEnv(t)
	for _, sev := range []string{"0", "2", "5"} {
		r := e.do("GET", "admin-token", monitoring+"/v1/alarms?filter=(eq,perceivedSeverity,"+sev+")", "")
		e.expect(r, 200, "indexed")
		indexed := ids(decodeList(t, r.body), "alarmEventRecordId")
		r = e.do("GET", "admin-token", monitoring+"/v1/alarms?filter=(eq,perceivedSeverity,0"+sev+")", "")
		e.expect(r, 200, "in memory")
		if inMemory := ids(decodeList(t, r.body), "alarmEventRecordId"); inMemory != indexed {
			t.Errorf("severity %s: index %q, memory %q", sev, indexed, inMemory)
		}
		if sev == "2" && indexed == "" {
			t.Error("the fixture's severity 2 alarm was not found")
		}
	}
}
