// Package standard is the O-Cloud alarm dictionary standardised in clause 4 of the O2ims
// interface specification (O-RAN.WG6.TS.O2IMS-INTERFACE-R004-v10.00, after ETSI GS NFV-IFA
// 045): the alarm definitions per associated object and severity (table 4.2-1) and the
// probable causes (table 4.3-1). Alarm sources name definitions and causes from here so that an
// SMO can interpret netweave's alarms like any other O-Cloud's.
package standard

import "github.com/google/uuid"

// ObjectClass is the O-Cloud object an alarm definition or probable cause is associated with
// (table 4.1-1).
type ObjectClass string

// The associated objects of clause 4 and the ETSI NFV concept each maps to.
const (
	// NodeCluster is the O-Cloud Node Cluster (ETSI NFV: CIS cluster).
	NodeCluster ObjectClass = "O-Cloud Node Cluster"
	// Node is the O-Cloud Node (ETSI NFV: CIS cluster node).
	Node ObjectClass = "O-Cloud Node"
	// SiteNetwork is the O-Cloud Node Cluster Site Network (ETSI NFV: CIS cluster network).
	SiteNetwork ObjectClass = "O-Cloud Node Cluster Site Network"
)

// ObjectClasses lists the associated objects in the order of table 4.2-1.
func ObjectClasses() []ObjectClass { return []ObjectClass{NodeCluster, Node, SiteNetwork} }

// StandardReference says where a probable cause is defined (AlarmDictionary 2.0
// probableCauses[].standardReference).
type StandardReference struct {
	StandardDefinitionOrganization string
	StandardSpecification          string
	VersionOrRelease               string
}

// Clause4 is the reference of every probable cause here.
func Clause4() StandardReference {
	return StandardReference{
		StandardDefinitionOrganization: "O-RAN",
		StandardSpecification:          "O-RAN.WG6.TS.O2IMS-INTERFACE",
		VersionOrRelease:               "R004-v10.00",
	}
}

// idNamespace is the UUIDv5 namespace of the standard definitions' and causes' ids. It is fixed
// forever: the ids are the same in every O-Cloud and every netweave release, so an SMO can key
// on them.
const idNamespace = "739328e8-b5d4-4e9e-927f-093907ed8292"

// DefinitionID is the alarmDefinitionId of the standard definition named name.
func DefinitionID(name string) string {
	return uuid.NewSHA1(uuid.MustParse(idNamespace), []byte("alarmDefinition/"+name)).String()
}

// ProbableCauseID is the probableCauseId of the standard probable cause code.
func ProbableCauseID(code string) string {
	return uuid.NewSHA1(uuid.MustParse(idNamespace), []byte("probableCause/"+code)).String()
}
