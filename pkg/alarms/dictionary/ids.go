package dictionary

import (
	"github.com/google/uuid"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/alarms"
)

// idKind is the kind of dictionary ids in the O-Cloud's id space.
const idKind = "AlarmDictionary"

// The keys of the dictionaries that belong to no resource type.
const (
	standardKey = "o-cloud"
	rulesKey    = "prometheus-rules"
)

// StandardID is the alarmDictionaryId of the standard O-Cloud dictionary.
func StandardID(ids alarms.IDSpace) string { return ids.Of(idKind, standardKey) }

// RulesID is the alarmDictionaryId of the dictionary of PrometheusRule alerts.
func RulesID(ids alarms.IDSpace) string { return ids.Of(idKind, rulesKey) }

// TypeID is the alarmDictionaryId of the dictionary of the resource type resourceTypeID: what
// the type's spec.alarmDictionaryId names.
func TypeID(ids alarms.IDSpace, resourceTypeID string) string { return ids.Of(idKind, resourceTypeID) }

// definitionID is the id the server derives for a definition named name that has none,
// filled in here so that the desired dictionary compares equal to the stored one.
func definitionID(dictionaryID, name string) string {
	return v1alpha1.DerivedDefinitionID(uuid.MustParse(dictionaryID), name)
}
