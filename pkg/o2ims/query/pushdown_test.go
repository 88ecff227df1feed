package query

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/fields"
)

func TestPushdown(t *testing.T) {
	selectable := map[string]string{
		"resourcePoolId":     "spec.resourcePoolId",
		"globalAssetId":      "spec.globalAssetId",
		"operationalState":   "status.operationalState",
		"extensions/country": "spec.extensions.country", // nested paths are keyed in filter syntax
	}
	tests := []struct {
		filter   string
		selector string
		rest     string
	}{
		{"(eq,globalAssetId,asset-1)", "spec.globalAssetId=asset-1", ""},
		{"(neq,operationalState,disabled)", "status.operationalState!=disabled", ""},
		{"(in,globalAssetId,a)", "spec.globalAssetId=a", ""},
		{"(nin,globalAssetId,a)", "spec.globalAssetId!=a", ""},
		{"(eq,extensions/country,ES)", "spec.extensions.country=ES", ""},
		{"(eq,globalAssetId,a);(cont,description,x);(neq,operationalState,b)", "spec.globalAssetId=a,status.operationalState!=b", "(cont,description,x)"},
		// Values are escaped for the field selector syntax.
		{"(eq,globalAssetId,'a,b=c\\d')", `spec.globalAssetId=a\,b\=c\\d`, ""},
		// Not pushed: unmapped attributes, other operators, several values.
		{"(eq,name,x)", "", "(eq,name,x)"},
		{"(in,globalAssetId,a,b)", "", "(in,globalAssetId,a,b)"},
		{"(gt,globalAssetId,a)", "", "(gt,globalAssetId,a)"},
		{"(cont,globalAssetId,a)", "", "(cont,globalAssetId,a)"},
		// Not pushed: UUIDs (case-insensitive in memory, exact in a field
		// selector, stored as written), in either case.
		{"(eq,resourcePoolId,8b5d3c6e-1f4a-4d2b-9c7e-0a1b2c3d4e5f)", "", "(eq,resourcePoolId,8b5d3c6e-1f4a-4d2b-9c7e-0a1b2c3d4e5f)"},
		{"(neq,resourcePoolId,8B5D3C6E-1F4A-4D2B-9C7E-0A1B2C3D4E5F)", "", "(neq,resourcePoolId,8B5D3C6E-1F4A-4D2B-9C7E-0A1B2C3D4E5F)"},
		{"(eq,resourcePoolId,pool-1)", "spec.resourcePoolId=pool-1", ""}, // not a UUID: exact either way
		// Not pushed: empty values (a field selector sees a missing field as "").
		{"(eq,globalAssetId,'')", "", "(eq,globalAssetId,'')"},
		{"(neq,globalAssetId,'')", "", "(neq,globalAssetId,'')"},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		sel, rest := f.Pushdown(selectable)
		if sel != tt.selector || rest.String() != tt.rest {
			t.Errorf("%s: got %q + %q, want %q + %q", tt.filter, sel, rest, tt.selector, tt.rest)
		}
		if tt.rest == "" && rest != nil {
			t.Errorf("%s: rest = %#v, want nil", tt.filter, rest)
		}
		if sel == "" {
			continue
		}
		// The selector must be what the API server will parse.
		if _, err := fields.ParseSelector(sel); err != nil {
			t.Errorf("%s: selector %q does not parse: %v", tt.filter, sel, err)
		}
	}
}

// TestPushdownAgreesWithMatch checks that what goes to the server decides
// the same as Match would, on objects the server sees as field sets.
func TestPushdownAgreesWithMatch(t *testing.T) {
	selectable := map[string]string{"globalAssetId": "spec.globalAssetId"}
	objects := []map[string]any{
		{"globalAssetId": "a"},
		{"globalAssetId": "A"},
		{"globalAssetId": "a,b"},
		{},
	}
	for _, filter := range []string{"(eq,globalAssetId,a)", "(neq,globalAssetId,a)", "(eq,globalAssetId,'a,b')", "(nin,globalAssetId,A)"} {
		f, err := ParseFilter(filter)
		if err != nil {
			t.Fatal(err)
		}
		sel, rest := f.Pushdown(selectable)
		if rest != nil {
			t.Fatalf("%s: not pushed down", filter)
		}
		parsed, err := fields.ParseSelector(sel)
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range objects {
			v, _ := obj["globalAssetId"].(string) // how a registry renders a missing field
			want, err := f.Match(obj)
			if err != nil {
				t.Fatal(err)
			}
			if got := parsed.Matches(fields.Set{"spec.globalAssetId": v}); got != want {
				t.Errorf("%s on %v: field selector %v, Match %v", filter, obj, got, want)
			}
		}
	}
}

func TestPushdownKeepsOrder(t *testing.T) {
	f, _ := ParseFilter("(cont,a,x);(eq,k,1);(gt,b,2);(eq,k,2)")
	sel, rest := f.Pushdown(map[string]string{"k": "spec.k"})
	if sel != "spec.k=1,spec.k=2" {
		t.Errorf("selector %q", sel)
	}
	if want := (Filter{term(OpCont, "a", "x"), term(OpGt, "b", "2")}); !reflect.DeepEqual(rest, want) {
		t.Errorf("rest %v, want %v", rest, want)
	}
	if sel, rest := Filter(nil).Pushdown(nil); sel != "" || rest != nil {
		t.Errorf("empty filter: %q, %v", sel, rest)
	}
}
