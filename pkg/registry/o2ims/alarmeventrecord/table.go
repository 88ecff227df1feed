package alarmeventrecord

import (
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// severityNames are the O2-IMS names of the perceivedSeverity values.
var severityNames = map[o2ims.PerceivedSeverity]string{
	o2ims.PerceivedSeverityCritical:      "CRITICAL",
	o2ims.PerceivedSeverityMajor:         "MAJOR",
	o2ims.PerceivedSeverityMinor:         "MINOR",
	o2ims.PerceivedSeverityWarning:       "WARNING",
	o2ims.PerceivedSeverityIndeterminate: "INDETERMINATE",
	o2ims.PerceivedSeverityCleared:       "CLEARED",
}

// SeverityName is the O2-IMS name of a perceivedSeverity (e.g. CRITICAL), or its number when
// it has none.
func SeverityName(s o2ims.PerceivedSeverity) string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return strconv.Itoa(int(s))
}

func columns() []kind.Column {
	rec := func(obj runtime.Object) *o2ims.AlarmEventRecord { return obj.(*o2ims.AlarmEventRecord) }
	return []kind.Column{
		{Name: "Severity", Type: "string", Description: "perceivedSeverity: CRITICAL, MAJOR, MINOR, WARNING, INDETERMINATE or CLEARED", Cell: func(obj runtime.Object) interface{} {
			return SeverityName(rec(obj).Status.PerceivedSeverity)
		}},
		{Name: "Object", Type: "string", Description: "objectClass/objectId of the faulty object", Cell: func(obj runtime.Object) interface{} {
			return rec(obj).Spec.ObjectClass + "/" + rec(obj).Spec.ObjectID
		}},
		{Name: "Definition", Type: "string", Description: "alarmName of the alarm definition", Cell: func(obj runtime.Object) interface{} {
			return rec(obj).Spec.AlarmName
		}},
		{Name: "Acknowledged", Type: "boolean", Description: "whether an operator acknowledged the alarm", Cell: func(obj runtime.Object) interface{} {
			return rec(obj).Status.AlarmAcknowledged
		}},
		{Name: "Raised", Type: "string", Description: "alarmRaisedTime", Cell: func(obj runtime.Object) interface{} {
			return timestamp(rec(obj).Status.AlarmRaisedTime)
		}},
		{Name: "Cleared", Type: "string", Description: "alarmClearedTime", Cell: func(obj runtime.Object) interface{} {
			return timestamp(rec(obj).Status.AlarmClearedTime)
		}},
		{Name: "Text", Type: "string", Description: "what happened", Priority: 1, Cell: func(obj runtime.Object) interface{} {
			return rec(obj).Status.Text
		}},
	}
}

func timestamp(t *metav1.Time) string {
	if t == nil || t.IsZero() {
		return "<none>"
	}
	return t.UTC().Format(time.RFC3339)
}
