package model_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/model/modeltest"
)

// Every mapped document, full or minimal, is a valid instance of its version's schema.
func TestMappedDocumentsValidate(t *testing.T) {
	v := modeltest.New(t)
	seen := map[string]bool{}
	for _, m := range allMapped() {
		seen[fmt.Sprint(m.kind, m.version)] = true
		t.Run(fmt.Sprintf("%s/v%d/%s", m.kind, m.version, m.name), func(t *testing.T) {
			v.Validate(t, m.version, string(m.kind), m.doc)
		})
	}
	// Every supported (kind, version) was exercised.
	for _, version := range model.Versions() {
		for _, kind := range model.Kinds() {
			if model.Supports(kind, version) && !seen[fmt.Sprint(kind, version)] {
				t.Errorf("%s v%d is not tested", kind, version)
			}
		}
	}
}

// The required attributes alone (what exclude_default leaves) still validate, and the document
// holds exactly the declared attributes.
func TestDefaultSetValidates(t *testing.T) {
	v := modeltest.New(t)
	for _, m := range allMapped() {
		defaults := model.DefaultAttributes(m.kind, m.version)
		only := map[string]any{}
		for _, name := range defaults {
			val, ok := m.doc[name]
			if !ok {
				t.Errorf("%s v%d %s: required %s missing", m.kind, m.version, m.name, name)
			}
			only[name] = val
		}
		v.Validate(t, m.version, string(m.kind), only)

		var declared []string
		for _, a := range model.Attributes(m.kind, m.version) {
			declared = append(declared, a.Name)
		}
		for name := range m.doc {
			if !slices.Contains(declared, name) {
				t.Errorf("%s v%d emits undeclared attribute %s", m.kind, m.version, name)
			}
		}
	}
}

// The attribute lists agree with the published schemas: same names, types and required flags.
// The one deliberate addition is globalCloudId in v1 OCloudInfo, which the v1 schema allows
// because it does not restrict additional properties.
func TestAttributesMatchSchemas(t *testing.T) {
	v := modeltest.New(t)
	for _, version := range model.Versions() {
		for _, kind := range model.Kinds() {
			attrs := model.Attributes(kind, version)
			schema, err := v.Schema(version, string(kind))
			if !model.Supports(kind, version) {
				if attrs != nil || err == nil {
					t.Errorf("%s v%d: unsupported, but attributes %v / schema err %v", kind, version, attrs, err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]model.Attribute{}
			for _, a := range attrs {
				byName[a.Name] = a
			}
			for name, prop := range schema.Properties {
				a, ok := byName[name]
				if !ok {
					t.Errorf("%s v%d: schema attribute %s not declared", kind, version, name)
					continue
				}
				if !prop.Value.Type.Is(a.Type) {
					t.Errorf("%s v%d %s: type %s, schema %v", kind, version, name, a.Type, prop.Value.Type)
				}
				if want := slices.Contains(schema.Required, name); a.Required != want {
					t.Errorf("%s v%d %s: required %v, schema %v", kind, version, name, a.Required, want)
				}
				for _, f := range a.Fields {
					sub := prop.Value.Properties[f.Name]
					// ProvisioningStatus wraps nodeClusterProvisioningStatus in a one-element allOf.
					if sub != nil && sub.Value.Type == nil && len(sub.Value.AllOf) == 1 {
						sub = sub.Value.AllOf[0]
					}
					if sub == nil || !sub.Value.Type.Is(f.Type) || f.Required != slices.Contains(prop.Value.Required, f.Name) {
						t.Errorf("%s v%d %s/%s does not match the schema", kind, version, name, f.Name)
					}
				}
				// An object is either open (free keys) or closed with all its properties declared.
				isOpen := a.Type == model.TypeObject && len(prop.Value.Properties) == 0
				if a.Open != isOpen {
					t.Errorf("%s v%d %s: open %v, schema has properties %d", kind, version, name, a.Open, len(prop.Value.Properties))
				}
				if len(a.Fields) != len(prop.Value.Properties) {
					t.Errorf("%s v%d %s: %d fields declared, schema has %d", kind, version, name, len(a.Fields), len(prop.Value.Properties))
				}
			}
			for name := range byName {
				if schema.Properties[name] != nil {
					continue
				}
				// ProvisioningRequestInfo carries netweave's extensions (conditions, clusterRef).
				extra := kind == model.KindOCloudInfo && version == model.Version1 && name == "globalCloudId" ||
					kind == model.KindProvisioningRequest && name == "extensions"
				if !extra {
					t.Errorf("%s v%d: declared attribute %s is not in the schema", kind, version, name)
				}
				if ap := schema.AdditionalProperties; ap.Has != nil && !*ap.Has {
					t.Errorf("%s v%d forbids additional properties, cannot add %s", kind, version, name)
				}
			}
		}
	}
}
