package dictionary

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/alarms"
)

// RulesResource is the PrometheusRule resource of the Prometheus operator.
var RulesResource = schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1", Resource: "prometheusrules"}

// rulesEntityType and rulesVendor are the header of the rules dictionary: its alarms are
// Prometheus alerts about anything the rules watch.
const (
	rulesEntityType = "Prometheus alert"
	rulesVendor     = "Prometheus"
)

// The rule annotations a definition is made from (the Prometheus community's conventions).
const (
	annotationSummary     = "summary"
	annotationDescription = "description"
	annotationRunbook     = "runbook_url"
	labelSeverity         = "severity"
)

// Keys of a rule definition's alarmAdditionalFields.
const (
	fieldSeverity = "severity"
	fieldRule     = "prometheusRule"
)

// maxText is the longest alarmDescription and proposedRepairActions the API accepts, maxName
// the longest alarmName.
const (
	maxText = 4096
	maxName = 256
)

// ruleSpec is the part of a PrometheusRule's spec a dictionary is made from. Decoding these few
// fields from the unstructured object spares netweave the operator's API module and its
// dependencies.
type ruleSpec struct {
	Groups []struct {
		Rules []struct {
			Alert       string            `json:"alert,omitempty"`
			Labels      map[string]string `json:"labels,omitempty"`
			Annotations map[string]string `json:"annotations,omitempty"`
		} `json:"rules"`
	} `json:"groups"`
}

// rulesDictionary is the dictionary of every alert rule of rules, the rules of the namespaces
// read, and of the definitions prev (the stored dictionary, nil when there is none) has of the
// rule namespaces unread: what is not known of a namespace is not removed from it. prev also
// carries the history: a definition that is new is ADDED, one whose content changed is
// MODIFIED, both in the next version; one that did not change keeps its alarmLastChange; the
// version moves on only when a definition was added, changed or removed.
func rulesDictionary(ids alarms.IDSpace, namespace string, rules []*unstructured.Unstructured, unread []string, prev *v1alpha1.AlarmDictionary) *v1alpha1.AlarmDictionary {
	d := newDictionary(namespace, rulesKey, "PrometheusRule", RulesID(ids))
	d.Spec.EntityType = rulesEntityType
	d.Spec.Vendor = rulesVendor
	defs := ruleDefinitions(d.Spec.AlarmDictionaryID, rules, keptDefinitions(prev, unread))

	version, changed := 0, prev == nil
	old := map[string]v1alpha1.AlarmDefinition{}
	if prev != nil {
		// A version that is not ours (an older netweave, an edit) starts the count again.
		version, _ = strconv.Atoi(prev.Spec.AlarmDictionaryVersion)
		for _, def := range prev.Spec.AlarmDefinitions {
			old[def.AlarmName] = def
		}
		changed = len(old) != len(defs)
	}
	next := strconv.Itoa(version + 1)
	for i := range defs {
		def := &defs[i]
		o, ok := old[def.AlarmName]
		switch {
		case !ok:
			def.AlarmChangeType, def.AlarmLastChange = v1alpha1.AlarmChangeTypeAdded, next
			changed = true
		case !sameContent(*def, o):
			def.AlarmChangeType, def.AlarmLastChange = v1alpha1.AlarmChangeTypeModified, next
			changed = true
		default:
			def.AlarmChangeType, def.AlarmLastChange = o.AlarmChangeType, o.AlarmLastChange
		}
	}
	d.Spec.AlarmDefinitions = defs
	d.Spec.AlarmDictionaryVersion = next
	if !changed {
		d.Spec.AlarmDictionaryVersion = prev.Spec.AlarmDictionaryVersion
	}
	return d
}

// sameContent compares two definitions but for their change history.
func sameContent(a, b v1alpha1.AlarmDefinition) bool {
	a.AlarmChangeType, a.AlarmLastChange = b.AlarmChangeType, b.AlarmLastChange
	return equality.Semantic.DeepEqual(a, b)
}

// ruleDefinition is a definition and the rule that makes it.
type ruleDefinition struct {
	namespace, name string
	def             v1alpha1.AlarmDefinition
}

// keptDefinitions are the definitions of prev made by rules of the namespaces unread, as
// their alarmAdditionalFields name them.
func keptDefinitions(prev *v1alpha1.AlarmDictionary, unread []string) []ruleDefinition {
	if prev == nil || len(unread) == 0 {
		return nil
	}
	var out []ruleDefinition
	for _, def := range prev.Spec.AlarmDefinitions {
		ns, name, ok := strings.Cut(def.AlarmAdditionalFields[fieldRule], "/")
		if ok && slices.Contains(unread, ns) {
			out = append(out, ruleDefinition{namespace: ns, name: name, def: def})
		}
	}
	return out
}

// ruleDefinitions makes a definition of every alert rule, and adds kept, sorted by alert name.
// Prometheus rules often define one alert several times (one rule per severity); alarmNames are
// unique in a dictionary, so the first rule in namespace, name and rule order defines it, a
// kept definition standing for its rule.
func ruleDefinitions(dictionaryID string, rules []*unstructured.Unstructured, kept []ruleDefinition) []v1alpha1.AlarmDefinition {
	var all []ruleDefinition
	for _, r := range rules {
		spec, err := decodeRuleSpec(r)
		if err != nil {
			klog.V(2).InfoS("PrometheusRule left out of the alarm dictionary", "rule", klog.KObj(r), "err", err)
			continue
		}
		for _, g := range spec.Groups {
			for _, rule := range g.Rules {
				if rule.Alert == "" || len(rule.Alert) > maxName {
					continue
				}
				def := v1alpha1.AlarmDefinition{
					AlarmDefinitionID:     definitionID(dictionaryID, rule.Alert),
					AlarmName:             rule.Alert,
					AlarmDescription:      validation.Truncate(describe(rule.Annotations), maxText),
					ProposedRepairActions: validation.Truncate(rule.Annotations[annotationRunbook], maxText),
					ClearingType:          v1alpha1.ClearingTypeAutomatic,
					ManagementInterfaceID: []string{v1alpha1.DefaultManagementInterface},
					AlarmAdditionalFields: map[string]string{fieldRule: r.GetNamespace() + "/" + r.GetName()},
				}
				if s := rule.Labels[labelSeverity]; s != "" {
					// Cut like the other texts: the API bounds alarmAdditionalFields, and one
					// rule over it would keep the whole dictionary from being written.
					def.AlarmAdditionalFields[fieldSeverity] = validation.Truncate(s, maxName)
				}
				all = append(all, ruleDefinition{namespace: r.GetNamespace(), name: r.GetName(), def: def})
			}
		}
	}
	all = append(all, kept...)
	// Stable: the rules of one PrometheusRule keep their order.
	slices.SortStableFunc(all, func(a, b ruleDefinition) int {
		return cmp.Or(cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
	})
	seen := map[string]bool{}
	var out []v1alpha1.AlarmDefinition
	for _, rd := range all {
		if seen[rd.def.AlarmName] {
			continue
		}
		seen[rd.def.AlarmName] = true
		out = append(out, rd.def)
	}
	slices.SortFunc(out, func(a, b v1alpha1.AlarmDefinition) int { return cmp.Compare(a.AlarmName, b.AlarmName) })
	return out
}

func decodeRuleSpec(r *unstructured.Unstructured) (ruleSpec, error) {
	var spec ruleSpec
	raw, ok := r.Object["spec"].(map[string]any)
	if !ok {
		return spec, fmt.Errorf("no spec")
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &spec); err != nil {
		return spec, fmt.Errorf("decode spec: %w", err)
	}
	return spec, nil
}

// describe is an alert's summary and description, as far as it has them.
func describe(annotations map[string]string) string {
	var parts []string
	for _, k := range []string{annotationSummary, annotationDescription} {
		if v := strings.TrimSpace(annotations[k]); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, "\n\n")
}
