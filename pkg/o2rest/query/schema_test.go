package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// resourceSchema is the O2 Resource model as the REST layer would declare it.
func resourceSchema() *Schema {
	return NewSchema(map[string]AttrType{
		"resourceId":        String,
		"resourceTypeId":    String,
		"resourcePoolId":    String,
		"globalAssetId":     String,
		"parentId":          String,
		"description":       String,
		"name":              String,
		"cpus":              Integer,
		"load":              Number,
		"alarmAcknowledged": Bool,
		"tags":              Array,
		"elements":          Array,
		"extensions":        Object,
		"anything":          Any,
	}).With("alarmDictionary", NewSchema(map[string]AttrType{
		"alarmDictionaryVersion":       String,
		"managementInterfaceId":        Array,
		"alarmDefinition":              Array,
		"pkNotificationField":          Array,
		"alarmDictionarySchemaVersion": String,
	}))
}

func TestSchemaLookup(t *testing.T) {
	s := resourceSchema()
	tests := []struct {
		path   string
		typ    AttrType
		ok     bool
		detail string
	}{
		{"resourceId", String, true, ""},
		{"cpus", Integer, true, ""},
		{"extensions", Object, true, ""},
		{"extensions/country", Any, true, ""},
		{"extensions/cpu/cores", Any, true, ""},
		{"anything/x/y", Any, true, ""},
		{"alarmDictionary", Object, true, ""},
		{"alarmDictionary/alarmDictionaryVersion", String, true, ""},
		{"alarmDictionary/wrong", 0, false, ""},
		{"WrongAttrName", 0, false, ""},
		{"ResourceId", 0, false, ""}, // attribute names are case-sensitive
		{"name/x", 0, false, `"name" is a string and has no sub-attributes`},
		{"tags/0", 0, false, `"tags" is an array and has no sub-attributes`},
		{"alarmDictionary/managementInterfaceId/x", 0, false, `"alarmDictionary/managementInterfaceId" is an array and has no sub-attributes`},
	}
	for _, tt := range tests {
		typ, detail, ok := s.Lookup(Path(strings.Split(tt.path, "/")))
		if typ != tt.typ || ok != tt.ok || detail != tt.detail {
			t.Errorf("%s: got %v, %q, %v; want %v, %q, %v", tt.path, typ, detail, ok, tt.typ, tt.detail, tt.ok)
		}
	}
	if s.Has("extensions/country") || !s.Has("extensions") {
		t.Error("Has must answer for top-level names only")
	}
}

func TestSchemaWithDoesNotModify(t *testing.T) {
	base := NewSchema(map[string]AttrType{"a": String, "o": Object})
	closed := base.With("o", NewSchema(map[string]AttrType{"k": String}))
	if _, _, ok := base.Lookup(Path{"o", "other"}); !ok {
		t.Error("With modified the original schema")
	}
	if _, _, ok := closed.Lookup(Path{"o", "other"}); ok {
		t.Error("With did not close the object")
	}
	if !closed.Has("a") {
		t.Error("With lost the other attributes")
	}
}

func TestAttrTypeString(t *testing.T) {
	want := map[AttrType]string{String: "a string", Number: "a number", Integer: "an integer", Bool: "a boolean",
		Array: "an array", Object: "an object", Any: "of any type", 0: "AttrType(0)"}
	for typ, w := range want {
		if got := typ.String(); got != w {
			t.Errorf("%d: got %q, want %q", int(typ), got, w)
		}
	}
}

func TestValidate(t *testing.T) {
	s := resourceSchema()
	valid := []string{
		"(eq,resourceTypeId,x);(cont,description,y)",
		"(eq,extensions/country,ES)",
		"(gt,extensions/cpu/cores,4)",
		"(cont,extensions/anything,x)",
		"(gt,cpus,4.5)",
		"(in,cpus,1,2,3)",
		"(eq,alarmAcknowledged,TRUE)",
		"(neq,alarmAcknowledged,false)",
		"(eq,tags,edge)",
		"(cont,tags,ed)",
		"(eq,alarmDictionary/alarmDictionaryVersion,1)",
		"(eq,anything,x)",
	}
	for _, in := range valid {
		f, err := ParseFilter(in)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Validate(s); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}

	invalid := []struct{ filter, message string }{
		// Conformance suite 7.3.7.
		{"(eq,WrongAttrName,anyvalue)", `unknown attribute "WrongAttrName" in filter`},
		{"(eq,WrongAttrName,x);(eq,name,y);(eq,Other,z)", `unknown attributes "WrongAttrName", "Other" in filter`},
		{"(eq,name/first,x)", `unknown attribute "name/first" in filter: "name" is a string and has no sub-attributes`},
		{"(eq,alarmDictionary/wrong,x)", `unknown attribute "alarmDictionary/wrong" in filter`},
		{"(eq,cpus,foo)", `filter (eq,cpus,foo): attribute "cpus" is a number but "foo" is not`},
		{"(in,load,1,x)", `attribute "load" is a number but "x" is not`},
		{"(cont,cpus,1)", "operator cont applies to strings, but attribute \"cpus\" is an integer"},
		{"(eq,alarmAcknowledged,no)", `attribute "alarmAcknowledged" is a boolean but "no" is not true or false`},
		{"(lt,alarmAcknowledged,true)", `operator lt does not apply to boolean attribute "alarmAcknowledged"`},
		{"(ncont,alarmAcknowledged,true)", `operator ncont does not apply to boolean attribute`},
		{"(gte,tags,a)", `operator gte does not apply to array attribute "tags"`},
		{"(eq,extensions,x)", `attribute "extensions" is an object; filter on one of its sub-attributes, e.g. extensions/<key>`},
		{"(eq,alarmDictionary,x)", `attribute "alarmDictionary" is an object`},
	}
	for _, tt := range invalid {
		f, err := ParseFilter(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		err = f.Validate(s)
		if err == nil || !strings.Contains(err.Error(), tt.message) {
			t.Errorf("%s: got %v, want %q", tt.filter, err, tt.message)
		}
	}

	f, _ := ParseFilter("(eq,WrongAttrName,anyvalue)")
	var ae *AttributeError
	if err := f.Validate(s); !errors.As(err, &ae) || ae.Param != "filter" || !reflect.DeepEqual(ae.Paths, []string{"WrongAttrName"}) {
		t.Errorf("got %#v, want an *AttributeError naming WrongAttrName", err)
	}
	if err := f.Validate(nil); err != nil {
		t.Errorf("nil schema: %v", err)
	}
}
