package standard

import (
	"strings"
	"testing"

	"github.com/netweave-io/netweave/pkg/alarms"
)

func TestDefinitionsAreUniqueAndNameExistingCauses(t *testing.T) {
	defs := Definitions()
	if len(defs) != 12 {
		t.Fatalf("got %d definitions, table 4.2-1 has 12", len(defs))
	}
	names, ids := map[string]bool{}, map[string]bool{}
	for _, d := range defs {
		if names[d.Name] || ids[d.ID()] {
			t.Errorf("definition %s: duplicate name or id %s", d.Name, d.ID())
		}
		names[d.Name], ids[d.ID()] = true, true
		if d.Description == "" || d.ClearingType != ClearingAutomatic {
			t.Errorf("definition %s: description %q, clearing type %q", d.Name, d.Description, d.ClearingType)
		}
		if len(d.ProbableCauses) == 0 {
			t.Errorf("definition %s names no probable cause", d.Name)
		}
		for _, code := range d.ProbableCauses {
			pc, ok := LookupProbableCause(code)
			if !ok {
				t.Errorf("definition %s names unknown cause %s", d.Name, code)
			} else if pc.ObjectClass != d.ObjectClass {
				t.Errorf("definition %s (%s) names cause %s of %s", d.Name, d.ObjectClass, code, pc.ObjectClass)
			}
		}
		if got := DefinitionName(d.ObjectClass, d.Severity); got != d.Name {
			t.Errorf("DefinitionName(%s, %d) = %q, want %q", d.ObjectClass, d.Severity, got, d.Name)
		}
	}
}

func TestProbableCausesAreUnique(t *testing.T) {
	causes := ProbableCauses()
	if len(causes) != 62 {
		t.Fatalf("got %d probable causes, table 4.3-1 has 62", len(causes))
	}
	codes, ids := map[string]bool{}, map[string]bool{}
	for _, p := range causes {
		if codes[p.Code] || ids[p.ID()] {
			t.Errorf("cause %s: duplicate code or id %s", p.Code, p.ID())
		}
		codes[p.Code], ids[p.ID()] = true, true
		if p.Code != strings.ToUpper(p.Code) || strings.ContainsAny(p.Code, " -") {
			t.Errorf("cause %q is not an identifier", p.Code)
		}
		if p.Description == "" || p.EventType == "" || p.ObjectClass == "" || p.Reference != Clause4() {
			t.Errorf("cause %s is incomplete: %+v", p.Code, p)
		}
	}
}

func TestSpotValuesFromTheSpec(t *testing.T) {
	d, ok := LookupDefinition("CLUSTERNODE_CRITICAL")
	if !ok || d.ObjectClass != Node || d.Severity != alarms.SeverityCritical ||
		d.Description != "One or multiple of the underlying resources or software of the O-Cloud Node has service affecting conditions and the O-Cloud Node is not fully operational." {
		t.Errorf("CLUSTERNODE_CRITICAL = %+v, %v", d, ok)
	}
	d, ok = LookupDefinition("CLUSTER_WARNING")
	if !ok || d.ObjectClass != NodeCluster || d.Severity != alarms.SeverityWarning ||
		d.Description != "One or multiple of the underlying resources of the O-Cloud Node Cluster have potential impeding service impacts, but the O-Cloud Node Cluster is still operational." {
		t.Errorf("CLUSTER_WARNING = %+v, %v", d, ok)
	}
	d, ok = LookupDefinition("CLUSTERNETWORK_MAJOR")
	if !ok || d.ObjectClass != SiteNetwork || !strings.Contains(d.Description, "the O-Cloud Node Cluster Site Network resource is still operational") {
		t.Errorf("CLUSTERNETWORK_MAJOR = %+v, %v", d, ok)
	}
	for code, want := range map[string]struct {
		class ObjectClass
		event EventType
	}{
		"NODE_DOWN":              {Node, EquipmentAlarm},
		"CLUSTER_COMMUNICATION":  {NodeCluster, CommunicationsAlarm},
		"CERTIFICATE_EXPIRATION": {Node, ProcessingErrorAlarm},
		"STORAGE_CAPACITY":       {Node, QoSAlarm},
		"CPU_TEMPERATURE":        {Node, EnvironmentalAlarm},
		"NETWORK_PACKET_LOSS":    {SiteNetwork, CommunicationsAlarm},
		"NETWORK_QOS":            {SiteNetwork, QoSAlarm},
	} {
		p, ok := LookupProbableCause(code)
		if !ok || p.ObjectClass != want.class || p.EventType != want.event {
			t.Errorf("%s = %+v, %v; want %s, %s", code, p, ok, want.class, want.event)
		}
	}
	if DefinitionName(Node, alarms.SeverityCleared) != "" || DefinitionName("pod", alarms.SeverityMajor) != "" {
		t.Error("DefinitionName names a definition the spec does not have")
	}
}

// The ids are a published contract: SMOs key on them, so they must never change.
func TestIDsAreStable(t *testing.T) {
	if got := DefinitionID("CLUSTERNODE_CRITICAL"); got != "36819b0a-2ea6-5a9a-a129-de4ff6436b93" {
		t.Errorf("DefinitionID(CLUSTERNODE_CRITICAL) = %s", got)
	}
	if got := ProbableCauseID("NODE_DOWN"); got != "56e9321d-2350-59f0-841b-f6726648ea59" {
		t.Errorf("ProbableCauseID(NODE_DOWN) = %s", got)
	}
	if DefinitionID("NODE_DOWN") == ProbableCauseID("NODE_DOWN") {
		t.Error("a definition and a cause of the same name share an id")
	}
}
