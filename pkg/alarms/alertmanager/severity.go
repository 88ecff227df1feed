package alertmanager

import (
	"strings"

	"github.com/netweave-io/netweave/pkg/alarms"
)

// severityLabel is the label Prometheus alerting rules conventionally set.
const severityLabel = "severity"

// severityOf maps an alert's severity label to perceivedSeverity the way other O2-IMS
// implementations fed by Alertmanager do, so an SMO sees the same severity whichever O-Cloud
// it talks to; "info" has no O2 level of its own and counts as a warning.
func severityOf(labels map[string]string) alarms.Severity {
	switch strings.ToLower(labels[severityLabel]) {
	case "critical":
		return alarms.SeverityCritical
	case "major":
		return alarms.SeverityMajor
	case "minor":
		return alarms.SeverityMinor
	case "warning", "info":
		return alarms.SeverityWarning
	default:
		return alarms.SeverityIndeterminate
	}
}
