package dictionary

import (
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/standard"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// The header of the dictionaries built from the standard.
const (
	// vendor is the vendor of the O-Cloud and of entities that name none: netweave is the
	// O-Cloud's IMS, and it raises these alarms.
	vendor = "netweave"
	// standardEntityType is the entityType of the standard dictionary: the alarms are about the
	// O-Cloud's own objects (node clusters, nodes, site networks).
	standardEntityType = "O-Cloud"
	// schemaVersion is the AlarmDictionary schema the dictionaries follow: 2.0 of spec v10,
	// which added probableCauses.
	schemaVersion = "2.0"
	// pkField is the notification field that identifies an alarm's definition.
	pkField = "alarmDefinitionId"
)

// standardVersion is the alarmDictionaryVersion of dictionaries built from the standard, and
// the alarmLastChange of their definitions: the release of the specification they come from,
// so a dictionary changes version exactly when netweave follows a newer clause 4.
func standardVersion() string { return standard.Clause4().VersionOrRelease }

// definitionsFor lists the standard definitions about objects of a resource type's class.
// Node types (COMPUTE) are O-Cloud Nodes, networking types the cluster's site network. Clause 4
// defines no alarms about storage or an undefined class: a storage fault is reported on the
// node (STORAGE_* causes of CLUSTERNODE_* definitions), so those types get an empty dictionary,
// which still tells an SMO which interface their alarms would come through.
func definitionsFor(class v1alpha1.ResourceClass) []standard.Definition {
	var object standard.ObjectClass
	switch class {
	case v1alpha1.ResourceClassCompute:
		object = standard.Node
	case v1alpha1.ResourceClassNetworking:
		object = standard.SiteNetwork
	default:
		return nil
	}
	var out []standard.Definition
	for _, d := range standard.Definitions() {
		if d.ObjectClass == object {
			out = append(out, d)
		}
	}
	return out
}

// standardDictionary is the O-Cloud's dictionary of every standard definition and cause.
func standardDictionary(ids alarms.IDSpace, namespace string) *v1alpha1.AlarmDictionary {
	d := newDictionary(namespace, standardKey, "standard", StandardID(ids))
	d.Spec.EntityType = standardEntityType
	d.Spec.Vendor = vendor
	fromStandard(&d.Spec, standard.Definitions())
	return d
}

// typeDictionary is the dictionary of the resource type t, in t's namespace.
func typeDictionary(ids alarms.IDSpace, t *v1alpha1.ResourceType) *v1alpha1.AlarmDictionary {
	d := newDictionary(t.Namespace, inventory.ObjectName("resourcetype", t.Name), "ResourceType/"+t.Name,
		TypeID(ids, t.Spec.ResourceTypeID))
	d.Spec.ResourceTypeID = t.Spec.ResourceTypeID
	// entityType must be unique per vendor model and version; the type is exactly that.
	d.Spec.EntityType = t.Spec.Name
	d.Spec.Vendor = t.Spec.Vendor
	if d.Spec.Vendor == "" {
		d.Spec.Vendor = vendor
	}
	fromStandard(&d.Spec, definitionsFor(t.Spec.ResourceClass))
	return d
}

// newDictionary is a managed dictionary with the header every dictionary here shares.
func newDictionary(namespace, name, source, id string) *v1alpha1.AlarmDictionary {
	return &v1alpha1.AlarmDictionary{
		ObjectMeta: inventory.ManagedMeta(namespace, name, source),
		Spec: v1alpha1.AlarmDictionarySpec{
			AlarmDictionaryID:            id,
			AlarmDictionarySchemaVersion: schemaVersion,
			ManagementInterfaceID:        []string{v1alpha1.DefaultManagementInterface},
			PKNotificationField:          []string{pkField},
		},
	}
}

// fromStandard fills spec with defs and the probable causes they name, with the standard's
// fixed ids, so an alarm's definition and cause ids are the same in every dictionary.
func fromStandard(spec *v1alpha1.AlarmDictionarySpec, defs []standard.Definition) {
	spec.AlarmDictionaryVersion = standardVersion()
	named := map[string]bool{}
	for _, d := range defs {
		causeIDs := make([]string, 0, len(d.ProbableCauses))
		for _, code := range d.ProbableCauses {
			named[code] = true
			causeIDs = append(causeIDs, standard.ProbableCauseID(code))
		}
		spec.AlarmDefinitions = append(spec.AlarmDefinitions, v1alpha1.AlarmDefinition{
			AlarmDefinitionID:     d.ID(),
			AlarmName:             d.Name,
			AlarmLastChange:       standardVersion(),
			AlarmChangeType:       v1alpha1.AlarmChangeTypeAdded,
			AlarmDescription:      d.Description,
			ClearingType:          v1alpha1.ClearingType(d.ClearingType),
			ManagementInterfaceID: []string{v1alpha1.DefaultManagementInterface},
			ProbableCauseIDs:      causeIDs,
		})
	}
	for _, pc := range standard.ProbableCauses() {
		if !named[pc.Code] {
			continue
		}
		spec.ProbableCauses = append(spec.ProbableCauses, v1alpha1.ProbableCause{
			ProbableCauseID:          pc.ID(),
			ProbableCauseCode:        pc.Code,
			ProbableCauseDescription: pc.Description,
			StandardReference: &v1alpha1.StandardReference{
				StandardDefinitionOrganization: pc.Reference.StandardDefinitionOrganization,
				StandardSpecification:          pc.Reference.StandardSpecification,
				VersionOrRelease:               pc.Reference.VersionOrRelease,
			},
		})
	}
}
