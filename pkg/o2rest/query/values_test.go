package query

import (
	"encoding/base64"
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseRawQuery(t *testing.T) {
	tests := []struct {
		raw    string
		filter string // canonical, "" for none
	}{
		{"", ""},
		{"&&", ""},
		// ";" is the SOL013 conjunction whether percent-encoded or not.
		{"filter=(eq,name,none);(eq,name,none)", "(eq,name,none);(eq,name,none)"},
		{"filter=(eq,name,none)%3B(eq,name,none)", "(eq,name,none);(eq,name,none)"},
		{"filter=%28eq%2Cname%2Cx%29", "(eq,name,x)"},
		{"filter=(eq,name,a+b)", "(eq,name,a b)"}, // form encoding: + is a space
		{"filter=(eq,name,a%2Bb)", "(eq,name,a+b)"},
		{"filter=(eq,name,'a;b')&all_fields", "(eq,name,'a;b')"},
		{"%66ilter=(eq,name,x)", "(eq,name,x)"},
		{"filter=(eq,name,caf%C3%A9)", "(eq,name,café)"},
		{"nextpage_opaque_marker=abc&fields=name,extensions/country&", ""},
	}
	for _, tt := range tests {
		q, err := ParseRawQuery(tt.raw)
		if err != nil {
			t.Errorf("%q: %v", tt.raw, err)
			continue
		}
		if got := q.Filter().String(); got != tt.filter {
			t.Errorf("%q: filter %q, want %q", tt.raw, got, tt.filter)
		}
		if (tt.filter != "") != q.Has(ParamFilter) {
			t.Errorf("%q: Has(filter) = %v", tt.raw, q.Has(ParamFilter))
		}
	}
}

func TestParseRawQueryErrors(t *testing.T) {
	long := func(n int, unit, sep string) string { return strings.Repeat(unit+sep, n-1) + unit }
	tests := []struct {
		raw, param, message string
	}{
		{"filter=(eq,name,%zz)", "filter", `malformed percent-encoding: invalid URL escape "%zz"`},
		{"filter=(eq,name,%e", "filter", "malformed percent-encoding"},
		{"fil%zzter=x", "fil%zzter", "malformed percent-encoding in the parameter name"},
		{"filter=(eq,name,%ff)", "filter", "not valid UTF-8"},
		{"filter=(eq,name,\xff)", "filter", "not valid UTF-8"},
		{"%ff=1", "\xff", "the parameter name is not valid UTF-8"},
		{"=x", "", `a value without a parameter name: "=x"`},
		{"filter=(eq,name,x)&%3Dy", "=y", "unknown parameter"},
		{"limit=10", "limit", `invalid query parameter "limit": unknown parameter`},
		{"all_fields;filter=(eq,name,x)", "all_fields;filter", "unknown parameter"},
		{"filter=(eq,name,a)&filter=(eq,name,b)", "filter", "given more than once; join the conditions with ';'"},
		{"fields=name&fields=name", "fields", "given more than once"},
		{"all_fields&all_fields", "all_fields", "given more than once"},
		{"nextpage_opaque_marker=a&nextpage_opaque_marker=b", "nextpage_opaque_marker", "given more than once"},
		{"nextpage_opaque_marker=", "nextpage_opaque_marker", "empty"},
		{"all_fields=yes", "all_fields", `must be empty, true or false, got "yes"`},
		{"exclude_default=1", "exclude_default", "must be empty, true or false"},
		{"filter=", "filter", "empty filter"},
		{"filter=(eq,name,x);(eq,name", "filter", "invalid filter at position"},
		{"fields=", "fields", "missing attribute path"},
		{"fields=a;b", "fields", `unexpected ";"`},
		{"fields=a&exclude_fields=b", "exclude_fields", "cannot be combined with fields"},
		{"all_fields&exclude_default", "all_fields", "cannot be combined"},
		// Bounds.
		{"filter=" + strings.Repeat("x", MaxQueryLength), "", "the query string is"},
		{"filter=(eq,name,'" + strings.Repeat("x", MaxFilterLength) + "')", "filter", "over the limit of " + strconv.Itoa(MaxFilterLength)},
		{"filter=" + long(MaxFilterTerms+1, "(eq,a,1)", ";"), "filter", "65 terms, over the limit of 64"},
		{"filter=(in,a," + long(MaxTermValues+1, "v", ",") + ")", "filter", "129 values, over the limit of 128"},
		{"filter=(eq," + long(MaxPathDepth+1, "a", "/") + ",1)", "filter", "9 segments, over the limit of 8"},
		{"fields=" + long(MaxSelectorPaths+1, "a", ","), "fields", "65 attribute paths, over the limit of 64"},
		{"exclude_fields=" + long(MaxPathDepth+1, "a", "/"), "exclude_fields", "over the limit of 8"},
		{"fields=" + strings.Repeat("a", MaxSelectorLength+1), "fields", "over the limit of " + strconv.Itoa(MaxSelectorLength)},
		{"nextpage_opaque_marker=" + strings.Repeat("a", MaxMarkerLength+1), "nextpage_opaque_marker", "over the limit of " + strconv.Itoa(MaxMarkerLength)},
	}
	for _, tt := range tests {
		q, err := ParseRawQuery(tt.raw)
		what := tt.raw
		if len(what) > 80 {
			what = what[:80] + "..."
		}
		if err == nil {
			t.Errorf("%q: accepted", what)
			continue
		}
		if got := ParamOf(err); got != tt.param {
			t.Errorf("%q: error %q names parameter %q, want %q", what, err, got, tt.param)
		}
		if !strings.Contains(err.Error(), tt.message) {
			t.Errorf("%q: error %q does not contain %q", what, err, tt.message)
		}
		if !reflect.DeepEqual(q, Values{}) {
			t.Errorf("%q: an error came with non-empty Values %#v", what, q)
		}
	}
	// The bounds themselves are accepted.
	for _, raw := range []string{
		"filter=" + long(MaxFilterTerms, "(eq,a,1)", ";"),
		"filter=(in,a," + long(MaxTermValues, "v", ",") + ")",
		"filter=(eq," + long(MaxPathDepth, "a", "/") + ",1)",
		"fields=" + long(MaxSelectorPaths, "a", ","),
	} {
		if _, err := ParseRawQuery(raw); err != nil {
			t.Errorf("at the bound: %v", err)
		}
	}
}

func TestValuesOnly(t *testing.T) {
	q := parseQuery(t, "fields=name&filter=(eq,name,x)&nextpage_opaque_marker=m")
	if err := q.Only(ParamFilter, ParamFields, ParamNextPageMarker); err != nil {
		t.Error(err)
	}
	err := q.Only(ParamFields)
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Param != ParamFilter || !strings.Contains(err.Error(), "not supported on this resource") {
		t.Errorf("Only(fields) = %v, want filter refused", err)
	}
	if err := (Values{}).Only(); err != nil {
		t.Error(err)
	}
}

// TestValuesEncode: the query of a next-page link reads back to the same
// Values, whatever the original spelling, and has no bare ";".
func TestValuesEncode(t *testing.T) {
	for _, raw := range []string{
		"",
		"filter=(eq,name,none);(eq,name,none)&all_fields",
		"filter=(eq,name,'a%26b=c;d+e%25')&exclude_default=false",
		"fields=(name,extensions/c~1d)&nextpage_opaque_marker=bWFya2Vy",
		"filter=(cont,description,caf%C3%A9 +)",
	} {
		q := parseQuery(t, raw)
		enc := q.Encode()
		if strings.Contains(enc, ";") {
			t.Errorf("%q: Encode() = %q has a bare ;", raw, enc)
		}
		again := parseQuery(t, enc)
		if !reflect.DeepEqual(q, again) {
			t.Errorf("%q: Encode() = %q reads back as %#v, want %#v", raw, enc, again, q)
		}
		next := q.WithNextPageMarker("bmV4dA")
		if got := parseQuery(t, next.Encode()); got.Get(ParamNextPageMarker) != "bmV4dA" || got.Filter().String() != q.Filter().String() {
			t.Errorf("%q: next page %q", raw, next.Encode())
		}
		if q.Has(ParamNextPageMarker) && q.Get(ParamNextPageMarker) == "bmV4dA" {
			t.Errorf("%q: WithNextPageMarker modified its receiver", raw)
		}
	}
}

func TestDefaultSelection(t *testing.T) {
	for raw, want := range map[string]bool{
		"":                            true,
		"exclude_default":             true,
		"all_fields=false":            true,
		"filter=(eq,name,x)":          true,
		"all_fields":                  false,
		"fields=name":                 false,
		"exclude_fields=name":         false,
		"exclude_default&fields=name": false,
	} {
		if got := parseQuery(t, raw).DefaultSelection(); got != want {
			t.Errorf("%q: DefaultSelection() = %v", raw, got)
		}
	}
}

// TestNextPageLinkWithinBounds: the longest query the bounds accept,
// written with the characters percent-encoding triples, still yields a
// next-page link that is accepted.
func TestNextPageLinkWithinBounds(t *testing.T) {
	value := strings.Repeat("é", (MaxFilterLength-len("(eq,a,'')"))/2)
	filter := "(eq,a,'" + value + "')"
	fields := strings.Repeat("é", MaxSelectorLength/2)
	raw := "filter=" + url.QueryEscape(filter) + "&fields=" + url.QueryEscape(fields) + "&exclude_default=false"
	q, err := ParseRawQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	// The longest marker the server hands out: base64 of a 63-byte namespace, "/", a 253-byte name.
	marker := base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("n", 63) + "/" + strings.Repeat("o", 253)))
	if len(marker) > MaxMarkerLength {
		t.Fatalf("a server marker is %d bytes, over MaxMarkerLength", len(marker))
	}
	link := q.WithNextPageMarker(marker).Encode()
	again, err := ParseRawQuery(link)
	if err != nil {
		t.Fatalf("a %d-byte link is refused: %v", len(link), err)
	}
	if again.Filter().String() != q.Filter().String() || again.Get(ParamFields) != fields {
		t.Error("the link changed the query")
	}
}
