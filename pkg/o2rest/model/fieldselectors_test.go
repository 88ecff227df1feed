package model_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// Every push-down names a selectable field of the stored kind and a declared string attribute.
func TestFieldSelectorsAreSelectable(t *testing.T) {
	for _, version := range model.Versions() {
		for _, kind := range model.Kinds() {
			sels := model.FieldSelectors(kind, version)
			if !model.Supports(kind, version) {
				if sels != nil {
					t.Errorf("%s v%d unsupported but has selectors", kind, version)
				}
				continue
			}
			selectable := v1alpha1.SelectableFieldsOf(kind.KubernetesKind())
			// The AlarmServiceConfiguration singleton has nothing to select by.
			if len(sels) == 0 && kind != model.KindAlarmServiceConfiguration {
				t.Errorf("%s v%d: no push-down at all", kind, version)
			}
			if selectable == nil && kind != model.KindAlarmServiceConfiguration {
				t.Errorf("%s: no SelectableFields for %s", kind, kind.KubernetesKind())
			}
			attrs := model.Attributes(kind, version)
			seen := map[string]bool{}
			for _, s := range sels {
				if seen[s.Attribute] {
					t.Errorf("%s v%d: %s pushed down twice", kind, version, s.Attribute)
				}
				seen[s.Attribute] = true
				if !slices.Contains(selectable, s.Field) {
					t.Errorf("%s v%d: %s is not selectable (%v)", kind, version, s.Field, selectable)
				}
				want := model.TypeString
				if s.Integer {
					want = model.TypeInteger
				}
				a, ok := attributeAt(attrs, strings.Split(s.Attribute, "/"))
				if !ok || a.Type != want {
					t.Errorf("%s v%d: %s is not a %s attribute", kind, version, s.Attribute, want)
				}
			}
		}
	}
}

// A set field shows verbatim under its attribute, and an empty one shows as Empty (or is
// absent), which is what makes the push-down exact.
func TestFieldSelectorsMatchMapping(t *testing.T) {
	const value = "0b9e3f1c-2d4a-4b5c-8d6e-7f8091a2b3c4"
	for _, m := range allMapped() {
		for _, s := range model.FieldSelectors(m.kind, m.version) {
			got, present := valueAt(m.doc, strings.Split(s.Attribute, "/"))
			if s.Integer {
				// An integer field is never empty: its zero is a value, shown and indexed as 0.
				if !present {
					t.Errorf("%s v%d: %s does not show under %s", m.kind, m.version, s.Field, s.Attribute)
				}
				continue
			}
			switch m.name {
			case "minimal":
				// ids the minimal fixtures set because the Kubernetes API requires them
				if got == idPool || got == idType || got == "location-1" || got == idOCloud || got == idRequest || got == "demo" {
					continue
				}
				if present && got != s.Empty {
					t.Errorf("%s v%d: empty %s shows %v, push-down says %q", m.kind, m.version, s.Field, got, s.Empty)
				}
			case "full":
				if !present || got == s.Empty {
					t.Errorf("%s v%d: set %s does not show under %s", m.kind, m.version, s.Field, s.Attribute)
				}
			}
		}
	}
	// The full fixtures use distinct values per field; check one per kind end to end.
	p := fullResourcePool()
	p.Spec.OCloudSiteID = value
	if got := model.ResourcePoolV2(p)["oCloudSiteId"]; got != value {
		t.Errorf("oCloudSiteId = %v", got)
	}
}

// attributeAt finds the attribute at path (nested through closed objects' Fields).
func attributeAt(attrs []model.Attribute, path []string) (model.Attribute, bool) {
	i := slices.IndexFunc(attrs, func(a model.Attribute) bool { return a.Name == path[0] })
	if i < 0 {
		return model.Attribute{}, false
	}
	if len(path) == 1 {
		return attrs[i], true
	}
	return attributeAt(attrs[i].Fields, path[1:])
}

// valueAt reads the value at path in doc.
func valueAt(doc map[string]any, path []string) (any, bool) {
	v, ok := doc[path[0]]
	if !ok || len(path) == 1 {
		return v, ok
	}
	sub, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	return valueAt(sub, path[1:])
}
