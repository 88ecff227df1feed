package notify

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// alarmExclusion is the set of alarm event types an AlarmSubscription's filter excludes.
type alarmExclusion uint8

func (x alarmExclusion) excludes(t AlarmEventType) bool { return x&(1<<t) != 0 }

// parseAlarmFilter reads an AlarmSubscription filter, which names the event types NOT to
// report. Monitoring 1.0.0 defines it as one of NEW, CHANGE, CLEAR or ACKNOWLEDGE; spec v10
// (version 2) makes it a free string, of which netweave understands the event type names or
// numbers (0..3), alone or as a comma-separated list, case and spaces ignored.
//
// A filter that is not understood excludes nothing, and err says why: an SMO whose filter
// was meant to mute some events then receives too much, which it sees and can fix, rather
// than silently nothing. The subscription's status.lastError reports it (filterNote).
func parseAlarmFilter(filter string, version int) (alarmExclusion, error) {
	if strings.TrimSpace(filter) == "" {
		return 0, nil
	}
	if version == model.Version1 {
		t, ok := alarmEventTypeByName(filter)
		if !ok {
			return 0, fmt.Errorf("%q is not one of NEW, CHANGE, CLEAR, ACKNOWLEDGE", filter)
		}
		return 1 << t, nil
	}
	var x alarmExclusion
	for _, part := range strings.Split(filter, ",") {
		part = strings.TrimSpace(part)
		t, ok := alarmEventTypeByName(strings.ToUpper(part))
		if !ok {
			n, err := strconv.Atoi(part)
			if err != nil || n < int(AlarmNew) || n > int(AlarmAcknowledge) {
				return 0, fmt.Errorf("%q is not a list of alarm event types (NEW, CHANGE, CLEAR, ACKNOWLEDGE or 0..3)", filter)
			}
			t = AlarmEventType(n)
		}
		x |= 1 << t
	}
	return x, nil
}

func alarmEventTypeByName(name string) (AlarmEventType, bool) {
	for _, t := range alarmEventTypes {
		if t.String() == name {
			return t, true
		}
	}
	return 0, false
}

// filterNote is what a subscription's status.lastError says about a filter that is not
// applied, while no delivery fails.
func filterNote(err error) string {
	return "filter not understood, nothing is excluded: " + err.Error()
}
