package recorder

import (
	"errors"
	"fmt"
	"sort"

	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/alarms"
)

// Definitions resolves the definition and probable cause an observation names into the ids
// of the dictionary that defines them.
type Definitions interface {
	Lookup(o alarms.Observation) alarms.Definition
}

// definitionIndex indexes AlarmDictionaries by the names of the alarms they define.
const definitionIndex = "alarms.netweave.io/definition"

// DictionaryDefinitions resolves definitions in the AlarmDictionaries of an informer: the
// dictionary of the faulty object's ResourceType first, then the O-Cloud-wide dictionaries
// (no resourceTypeId: the standard one and the one made from PrometheusRules), in name order so
// the answer is the same on every replica. Only the dictionaries of the inventory namespace
// count (see Resolve). An unknown definition gives empty ids: the alarm is still raised, under
// the name the source gave it.
type DictionaryDefinitions struct {
	dictionaries cache.SharedIndexInformer
	namespace    string
	known        KnownDefinitions
}

// KnownDefinitions resolves, for an observation no stored dictionary defines, what the
// dictionaries netweave writes itself will define once written (nil: nothing known): an alarm
// raised before they are first written, or before the cache has the write (a node fault or a
// firing alert at the first start), would otherwise keep empty ids for good, since a record's
// spec never changes.
type KnownDefinitions func(o alarms.Observation) (alarms.Definition, bool)

// NewDictionaryDefinitions indexes dictionaries, which must not have started yet; namespace is
// the inventory namespace, whose dictionaries define the O-Cloud's alarms; known, when set,
// answers what they do not define yet.
func NewDictionaryDefinitions(dictionaries cache.SharedIndexInformer, namespace string, known KnownDefinitions) (*DictionaryDefinitions, error) {
	if namespace == "" {
		return nil, errors.New("alarm definitions: the inventory namespace is required")
	}
	if err := dictionaries.AddIndexers(cache.Indexers{definitionIndex: indexByDefinition}); err != nil {
		return nil, fmt.Errorf("alarm definitions: index dictionaries: %w", err)
	}
	return &DictionaryDefinitions{dictionaries: dictionaries, namespace: namespace, known: known}, nil
}

func indexByDefinition(obj any) ([]string, error) {
	d, ok := obj.(*v1alpha1.AlarmDictionary)
	if !ok {
		return nil, fmt.Errorf("index dictionary: %T is not an AlarmDictionary", obj)
	}
	names := make([]string, 0, len(d.Spec.AlarmDefinitions))
	for _, def := range d.Spec.AlarmDefinitions {
		names = append(names, def.AlarmName)
	}
	return names, nil
}

// Lookup implements Definitions.
func (d *DictionaryDefinitions) Lookup(o alarms.Observation) alarms.Definition {
	if def, ok := d.stored(o); ok {
		return def
	}
	if d.known != nil {
		if def, ok := d.known(o); ok {
			return def
		}
	}
	return alarms.Definition{}
}

// stored resolves o in the stored dictionaries.
func (d *DictionaryDefinitions) stored(o alarms.Observation) (alarms.Definition, bool) {
	objs, err := d.dictionaries.GetIndexer().ByIndex(definitionIndex, o.Definition)
	if err != nil || len(objs) == 0 {
		return alarms.Definition{}, false
	}
	dicts := make([]*v1alpha1.AlarmDictionary, 0, len(objs))
	for _, obj := range objs {
		dicts = append(dicts, obj.(*v1alpha1.AlarmDictionary))
	}
	return Resolve(dicts, d.namespace, o)
}

// Resolve resolves o among dicts as DictionaryDefinitions does among the stored ones: the
// dictionary of the faulty object's ResourceType first, then the O-Cloud-wide dictionaries, in
// name order; only those of namespace, the inventory namespace, count. false when none of them
// defines o.Definition.
func Resolve(dicts []*v1alpha1.AlarmDictionary, namespace string, o alarms.Observation) (alarms.Definition, bool) {
	candidates := make([]*v1alpha1.AlarmDictionary, 0, len(dicts))
	for _, dict := range dicts {
		if dict.Spec.ResourceTypeID != "" && dict.Spec.ResourceTypeID != o.Object.TypeID {
			continue
		}
		// The recorder's alarms are the O-Cloud's (its nodes, clusters, itself), defined by the
		// operator's dictionaries: netweave writes the standard, the node types' and the
		// PrometheusRule alerts' in the inventory namespace. Not the object's namespace: a node
		// claimed by an admin pool of a node pool namespace has its alarms stored there, where
		// none of those dictionaries is, and where the namespace's admin may write dictionaries
		// of their own (of no type, or of the operator's node type) that must not define the
		// O-Cloud's alarm.
		if dict.Namespace != namespace {
			continue
		}
		candidates = append(candidates, dict)
	}
	sort.Slice(candidates, func(i, j int) bool {
		a, b := candidates[i], candidates[j]
		if (a.Spec.ResourceTypeID != "") != (b.Spec.ResourceTypeID != "") {
			return a.Spec.ResourceTypeID != ""
		}
		return a.Name < b.Name
	})
	for _, dict := range candidates {
		for _, def := range dict.Spec.AlarmDefinitions {
			if def.AlarmName != o.Definition {
				continue
			}
			return alarms.Definition{
				DictionaryID:    dict.Spec.AlarmDictionaryID,
				DefinitionID:    def.AlarmDefinitionID,
				ProbableCauseID: probableCause(dict, o.ProbableCause),
				ClearingType:    def.ClearingType,
			}, true
		}
	}
	return alarms.Definition{}, false
}

func probableCause(dict *v1alpha1.AlarmDictionary, code string) string {
	if code == "" {
		return ""
	}
	for _, c := range dict.Spec.ProbableCauses {
		if c.ProbableCauseCode == code {
			return c.ProbableCauseID
		}
	}
	return ""
}
