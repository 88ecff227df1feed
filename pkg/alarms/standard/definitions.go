package standard

import (
	"fmt"

	"github.com/netweave-io/netweave/pkg/alarms"
)

// ClearingType says who clears an alarm of a definition (AlarmDefinition clearingType).
type ClearingType string

// The clearing types of AlarmDefinition.
const (
	ClearingAutomatic ClearingType = "AUTOMATIC"
	ClearingManual    ClearingType = "MANUAL"
)

// Definition is one standard alarm definition.
type Definition struct {
	// Name is the alarmDefinitionId the spec names, e.g. "CLUSTERNODE_CRITICAL"; it is the
	// alarmName (and Observation.Definition).
	Name        string
	Description string
	ObjectClass ObjectClass
	Severity    alarms.Severity
	// ClearingType is AUTOMATIC for every standard definition. The spec leaves it open; each of
	// these faults is one a source sees end (a node back Ready, a renewed certificate), so the
	// O-Cloud clears it rather than waiting for the SMO.
	ClearingType ClearingType
	// ProbableCauses are the codes of the causes associated with the same object (table 4.3-1).
	ProbableCauses []string
}

// ID is the definition's alarmDefinitionId UUID.
func (d Definition) ID() string { return DefinitionID(d.Name) }

// definitionPrefix is the alarmDefinitionId prefix of each associated object.
func definitionPrefix(c ObjectClass) string {
	switch c {
	case NodeCluster:
		return "CLUSTER"
	case Node:
		return "CLUSTERNODE"
	case SiteNetwork:
		return "CLUSTERNETWORK"
	}
	return ""
}

// Severities are the severities the spec defines alarms for, rising.
func Severities() []alarms.Severity {
	return []alarms.Severity{alarms.SeverityWarning, alarms.SeverityMinor, alarms.SeverityMajor, alarms.SeverityCritical}
}

// severitySuffix is the alarmDefinitionId suffix of a severity, empty for one the spec defines
// no alarm for (INDETERMINATE, CLEARED).
func severitySuffix(s alarms.Severity) string {
	switch s {
	case alarms.SeverityWarning:
		return "WARNING"
	case alarms.SeverityMinor:
		return "MINOR"
	case alarms.SeverityMajor:
		return "MAJOR"
	case alarms.SeverityCritical:
		return "CRITICAL"
	}
	return ""
}

// DefinitionName is the name of the standard definition for an alarm of severity about an
// object of class c ("CLUSTERNODE_CRITICAL"); empty when the spec defines none.
func DefinitionName(c ObjectClass, severity alarms.Severity) string {
	prefix, suffix := definitionPrefix(c), severitySuffix(severity)
	if prefix == "" || suffix == "" {
		return ""
	}
	return prefix + "_" + suffix
}

// definitionMeaning is the spec's description (table 4.2-1) of a severity. The twelve
// descriptions differ only in the object named, so they are written once: the verbs are
// filled with what the resources "or software" of the object are, and the object twice.
func definitionMeaning(s alarms.Severity) string {
	switch s {
	case alarms.SeverityWarning:
		return "One or multiple of the underlying resources%s of the %s have potential impeding service impacts, but the %s is still operational."
	case alarms.SeverityMinor:
		return "One or multiple of the underlying resources%s of the %s are experimenting non-service affecting fault conditions and the %s has non-service affecting fault conditions."
	case alarms.SeverityMajor:
		return "One or multiple of the underlying resources%s of the %s have service affecting conditions, but the %s is still operational."
	case alarms.SeverityCritical:
		return "One or multiple of the underlying resources%s of the %s has service affecting conditions and the %s is not fully operational."
	}
	return ""
}

// Definitions returns the twelve standard alarm definitions of table 4.2-1, by object in the
// table's order and by rising severity.
func Definitions() []Definition {
	causes := ProbableCauses()
	var out []Definition
	for _, c := range ObjectClasses() {
		var codes []string
		for _, pc := range causes {
			if pc.ObjectClass == c {
				codes = append(codes, pc.Code)
			}
		}
		// The table speaks of the resources "or software" of a node and of the site network
		// but only of the resources of a cluster, and of the site network "resource".
		software, object := " or software", string(c)
		switch c {
		case NodeCluster:
			software = ""
		case SiteNetwork:
			object += " resource"
		}
		for _, s := range Severities() {
			out = append(out, Definition{
				Name:           DefinitionName(c, s),
				Description:    fmt.Sprintf(definitionMeaning(s), software, object, object),
				ObjectClass:    c,
				Severity:       s,
				ClearingType:   ClearingAutomatic,
				ProbableCauses: codes,
			})
		}
	}
	return out
}

// LookupDefinition returns the standard definition named name.
func LookupDefinition(name string) (Definition, bool) {
	for _, d := range Definitions() {
		if d.Name == name {
			return d, true
		}
	}
	return Definition{}, false
}
