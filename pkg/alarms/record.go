package alarms

import (
	"encoding/json"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// IDSpace derives the deterministic O2 ids of an O-Cloud; inventory.IDs is the one in use, so
// alarm ids live in the same space as the synced inventory's.
type IDSpace interface {
	// Of returns the id of the object of kind made from key.
	Of(kind, key string) string
}

// RecordID is the alarmEventRecordId of the occurrence of fault source/key that began at
// since: the same across restarts and a wiped store, so a re-synced alarm keeps its id.
func RecordID(ids IDSpace, source, key string, since time.Time) string {
	return ids.Of("AlarmEventRecord", source+"/"+key+"/"+since.UTC().Format(time.RFC3339Nano))
}

// Definition is what the recorder found in the dictionaries for an observation's Definition
// and ProbableCause.
type Definition struct {
	// DictionaryID, DefinitionID and ProbableCauseID are the O2 ids the record refers to;
	// empty when unknown.
	DictionaryID, DefinitionID, ProbableCauseID string
	// ClearingType says whether the O-Cloud (AUTOMATIC) or an operator (MANUAL) clears the alarm.
	ClearingType v1alpha1.ClearingType
}

// newRecord is the record of the occurrence of o that began at since.
func newRecord(ids IDSpace, o Observation, def Definition, since time.Time) *v1alpha1.AlarmEventRecord {
	id := RecordID(ids, o.Source, o.Key, since)
	raised := metav1.NewTime(since.UTC())
	return &v1alpha1.AlarmEventRecord{
		ObjectMeta: metav1.ObjectMeta{Namespace: o.Object.Namespace, Name: id},
		Spec: v1alpha1.AlarmEventRecordSpec{
			AlarmEventRecordID: id,
			Source:             v1alpha1.AlarmSource{Name: o.Source, Key: o.Key},
			ObjectClass:        o.Object.Class,
			ObjectID:           o.Object.ID,
			ObjectTypeID:       o.Object.TypeID,
			AlarmDictionaryID:  def.DictionaryID,
			AlarmDefinitionID:  def.DefinitionID,
			ProbableCauseID:    def.ProbableCauseID,
			AlarmName:          o.Definition,
			Extensions:         extensions(o.Extensions),
		},
		Status: v1alpha1.AlarmEventRecordStatus{
			PerceivedSeverity: v1alpha1.PerceivedSeverity(o.Severity),
			AlarmRaisedTime:   &raised,
			Text:              o.Text,
		},
	}
}

// extensions carries an observation's string pairs as JSON string values.
func extensions(in map[string]string) v1alpha1.Extensions {
	if len(in) == 0 {
		return nil
	}
	out := make(v1alpha1.Extensions, len(in))
	for k, v := range in {
		raw, _ := json.Marshal(v) // a string always marshals
		out[k] = v1alpha1.JSON{Raw: raw}
	}
	return out
}
