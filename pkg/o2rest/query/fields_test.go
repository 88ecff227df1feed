package query

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func resourceDefaults() []string {
	return []string{"resourceId", "resourceTypeId", "resourcePoolId", "description"}
}

func selectorObject() map[string]any {
	return map[string]any{
		"resourceId":     "r1",
		"resourceTypeId": "t1",
		"resourcePoolId": "p1",
		"description":    "d",
		"name":           "w-1",
		"tags":           []any{"edge"},
		"extensions": map[string]any{
			"country": "ES",
			"cpu":     map[string]any{"cores": 8.0, "model": "Xeon"},
		},
	}
}

func keys(m map[string]any) string {
	var ks []string
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			k += "{" + keys(sub) + "}"
		}
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func parseQuery(t *testing.T, raw string) Values {
	t.Helper()
	q, err := ParseRawQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// selectorFor is what a handler does with a query string: read it, then
// check its selector against the schema.
func selectorFor(raw string, s *Schema, defaults []string) (Selector, error) {
	q, err := ParseRawQuery(raw)
	if err != nil {
		return Selector{}, err
	}
	return ParseSelector(q, s, defaults)
}

func TestSelector(t *testing.T) {
	const (
		defaults = "description,resourceId,resourcePoolId,resourceTypeId"
		all      = "description,extensions{country,cpu{cores,model}},name,resourceId,resourcePoolId,resourceTypeId,tags"
	)
	tests := []struct{ query, want string }{
		// The conformance suite's requests (§4.4, §9: 7.3.2, 7.3.5).
		{"", defaults},
		{"all_fields", all},
		{"fields=name,description", "description,name,resourceId,resourcePoolId,resourceTypeId"},
		{"fields=extensions", "description,extensions{country,cpu{cores,model}},resourceId,resourcePoolId,resourceTypeId"},
		{"exclude_fields=extensions", "description,name,resourceId,resourcePoolId,resourceTypeId,tags"},
		{"exclude_default", defaults},
		// all_fields is a flag; false (its OpenAPI default) is as if absent.
		{"all_fields=", all},
		{"all_fields=true", all},
		{"all_fields=TRUE", all},
		{"all_fields=false", defaults},
		{"all_fields=false&fields=name", "description,name,resourceId,resourcePoolId,resourceTypeId"},
		// fields: defaults plus the listed attributes; sub-paths keep a sub-tree.
		{"fields=extensions/country", "description,extensions{country},resourceId,resourcePoolId,resourceTypeId"},
		{"fields=extensions/cpu/cores,tags", "description,extensions{cpu{cores}},resourceId,resourcePoolId,resourceTypeId,tags"},
		{"fields=extensions/country,extensions/cpu/model", "description,extensions{country,cpu{model}},resourceId,resourcePoolId,resourceTypeId"},
		{"fields=extensions/country,extensions", "description,extensions{country,cpu{cores,model}},resourceId,resourcePoolId,resourceTypeId"},
		{"fields=extensions/absent", "description,extensions{},resourceId,resourcePoolId,resourceTypeId"},
		{"fields=(name,tags)", "description,name,resourceId,resourcePoolId,resourceTypeId,tags"},
		{"fields=resourceId", defaults}, // a default listed again changes nothing
		{"fields=name&exclude_default", "description,name,resourceId,resourcePoolId,resourceTypeId"},
		{"fields=name&exclude_default=true", "description,name,resourceId,resourcePoolId,resourceTypeId"},
		// exclude_fields: everything minus the listed, defaults excepted.
		{"exclude_fields=extensions/cpu,tags", "description,extensions{country},name,resourceId,resourcePoolId,resourceTypeId"},
		{"exclude_fields=resourceId", all},
		{"exclude_fields=(name)", "description,extensions{country,cpu{cores,model}},resourceId,resourcePoolId,resourceTypeId,tags"},
		// exclude_default spellings.
		{"exclude_default=true", defaults},
		{"exclude_default=TRUE", defaults},
		{"exclude_default=false", defaults},
	}
	s := resourceSchema()
	for _, tt := range tests {
		sel, err := ParseSelector(parseQuery(t, tt.query), s, resourceDefaults())
		if err != nil {
			t.Errorf("%q: %v", tt.query, err)
			continue
		}
		obj := selectorObject()
		if got := keys(sel.Apply(obj)); got != tt.want {
			t.Errorf("%q: got %s, want %s", tt.query, got, tt.want)
		}
		if !reflect.DeepEqual(obj, selectorObject()) {
			t.Errorf("%q: Apply modified its input", tt.query)
		}
	}
}

func TestSelectorErrors(t *testing.T) {
	tests := []struct{ query, message string }{
		// Conformance suite 7.3.7: parentheses and an unknown name.
		{"fields=(resourceTypeId,WrongAttrName)", `unknown attribute "WrongAttrName" in fields`},
		{"fields=Wrong1,name,Wrong2", `unknown attributes "Wrong1", "Wrong2" in fields`},
		{"exclude_fields=WrongAttrName", `unknown attribute "WrongAttrName" in exclude_fields`},
		{"fields=name/first", `unknown attribute "name/first" in fields: "name" is a string and has no sub-attributes`},
		{"fields=alarmDictionary/nope", `unknown attribute "alarmDictionary/nope" in fields`},
		// Syntax.
		{"fields=", "invalid fields at position 1: missing attribute path, found end of input"},
		{"fields=a,,b", "invalid fields at position 3: missing attribute path"},
		{"fields=a,", "invalid fields at position 3: missing attribute path"},
		{"fields=(a,b", "invalid fields at position 5: missing ')' to close the list opened at position 1"},
		{"fields=a,b)", `invalid fields at position 4: unexpected ")" in attribute list`},
		{"fields=(a,b)c", `invalid fields at position 5: unexpected ")" in attribute list`},
		{"fields=a%3Bb", `invalid fields at position 2: unexpected ";" in attribute list`},
		{"fields=a//b", `invalid fields at position 3: empty segment in attribute path "a/"`},
		{"fields=name&fields=name", "invalid query parameter fields: given more than once; list the attributes with ','"},
		{"exclude_fields=a~x", `invalid exclude_fields at position 2: invalid escape "~x"`},
		// Conflicting modes.
		{"all_fields&fields=name", "invalid query parameter all_fields: cannot be combined with fields, exclude_fields or exclude_default"},
		{"all_fields&exclude_fields=name", "all_fields: cannot be combined"},
		{"all_fields&exclude_default", "all_fields: cannot be combined"},
		{"fields=name&exclude_fields=tags", "exclude_fields: cannot be combined with fields"},
		{"exclude_default=maybe", `invalid query parameter exclude_default: must be empty, true or false, got "maybe"`},
		{"all_fields=yes", `invalid query parameter all_fields: must be empty, true or false, got "yes"`},
	}
	s := resourceSchema()
	for _, tt := range tests {
		_, err := selectorFor(tt.query, s, resourceDefaults())
		if err == nil || !strings.Contains(err.Error(), tt.message) {
			t.Errorf("%q: got %v, want an error containing %q", tt.query, err, tt.message)
		}
	}

	var ae *AttributeError
	_, err := ParseSelector(parseQuery(t, "fields=(resourceTypeId,WrongAttrName)"), s, resourceDefaults())
	if !errors.As(err, &ae) || !reflect.DeepEqual(ae.Paths, []string{"WrongAttrName"}) || ae.Param != "fields" {
		t.Errorf("got %#v, want an *AttributeError naming WrongAttrName", err)
	}
	if _, err := ParseSelector(Values{}, s, []string{"resourceId", "nope"}); err == nil || !strings.Contains(err.Error(), "default attribute nope is not in the schema") {
		t.Errorf("bad defaults: %v", err)
	}
}

// TestSelectorReturnsInput: when nothing is removed Apply hands back the
// very same map and allocates nothing.
func TestSelectorReturnsInput(t *testing.T) {
	s := resourceSchema()
	defaultsOnly := map[string]any{"resourceId": "r", "description": "d", "extensions": map[string]any{"country": "ES"}}
	tests := []struct {
		query    string
		defaults []string
		obj      map[string]any
	}{
		{"", nil, selectorObject()}, // no defaults: everything is a default
		{"exclude_fields=extensions", nil, selectorObject()},
		{"fields=name", nil, selectorObject()},
		{"all_fields", resourceDefaults(), selectorObject()},
		{"exclude_fields=resourceId", resourceDefaults(), selectorObject()},
		{"exclude_fields=name", resourceDefaults(), defaultsOnly},
		{"exclude_fields=extensions/cpu", resourceDefaults(), defaultsOnly},
		{"fields=extensions/country", resourceDefaults(), defaultsOnly},
		{"", []string{"resourceId", "description", "extensions"}, defaultsOnly},
	}
	for _, tt := range tests {
		sel, err := ParseSelector(parseQuery(t, tt.query), s, tt.defaults)
		if err != nil {
			t.Fatalf("%q: %v", tt.query, err)
		}
		if got := sel.Apply(tt.obj); !sameMap(got, tt.obj) {
			t.Errorf("%q: Apply returned a new map %v", tt.query, got)
		}
		if n := testing.AllocsPerRun(10, func() { sel.Apply(tt.obj) }); n != 0 {
			t.Errorf("%q: Apply allocates %v times", tt.query, n)
		}
	}
	if got := (Selector{}).Apply(defaultsOnly); !sameMap(got, defaultsOnly) {
		t.Error("the zero Selector must keep everything")
	}
	sel, _ := ParseSelector(Values{}, s, resourceDefaults())
	if got := sel.Apply(nil); got != nil {
		t.Errorf("Apply(nil) = %v", got)
	}
}

func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

func TestSelectorNilSchema(t *testing.T) {
	sel, err := ParseSelector(parseQuery(t, "fields=anything/x"), nil, []string{"id"})
	if err != nil {
		t.Fatal(err)
	}
	got := sel.Apply(map[string]any{"id": 1, "anything": map[string]any{"x": 1, "y": 2}, "z": 3})
	if keys(got) != "anything{x},id" {
		t.Errorf("got %s", keys(got))
	}
}

func TestSelectorPartialOfNonObject(t *testing.T) {
	// A sub-path of an attribute that is not an object in this document
	// (the schema says Any) selects nothing rather than the whole value.
	sel, err := ParseSelector(parseQuery(t, "fields=anything/x"), resourceSchema(), []string{"resourceId"})
	if err != nil {
		t.Fatal(err)
	}
	got := sel.Apply(map[string]any{"resourceId": "r", "anything": "scalar"})
	if keys(got) != "resourceId" {
		t.Errorf("got %s", keys(got))
	}
}
