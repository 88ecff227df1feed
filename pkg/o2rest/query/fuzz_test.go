package query

import (
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// FuzzParseFilter: parsing never panics, every error is a *SyntaxError
// pointing inside the input, and every filter that parses re-serialises
// to a canonical form that parses back to an equal filter and is a fixed
// point of String. Evaluation and validation of whatever parses must not
// panic either.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"(eq,myattr,myvalue)",
		"(cont,myattr,myvalue)",
		"(eq,myattr,'my value')",
		"(eq,myattr,'')",
		"(eq,myattr,'my ) value')",
		"(eq,myattr,'my , value')",
		"(eq,myattr,'my''value')",
		"(in,myattr,my,value)",
		"(eq,myattr,)",
		"(eq,myattr, )",
		"(eq,myattr,  'my value'  )",
		"(eq,myattr/yourattr,yourvalue)",
		"(eq,myattr,myvalue);(neq,yourattr,yourvalue)",
		"(eq,my~0attr,v);(eq,my~1attr,v);(eq,my~battr,v)",
		"(eq,name,'my cluster');(eq,extensions/country,ES)",
		"(in,extensions/country,ES,US)",
		"(eq,extensions/country,US);",
		"(eq,resourceTypeID,x);(eq,alarmAcknowledged,false)",
		"(neq,alarmAcknowledged,true)",
		"(GT,cpus,1.5e3);(lte,extensions/cpu/cores,-4)",
		"(nin,tags,a,'b;c',' ');(ncont,description,x)",
		"(eq,extensions/topology.kubernetes.io~1zone,eu-1a)",
		"(eq,a,b",
		"(eq,a,'b)",
		"(eq,a~2,b)",
		"((eq,a,b))",
		" ; ",
	} {
		f.Add(s)
	}
	doc := map[string]any{
		"name": "w-1", "cpus": 16.0, "n": int64(3), "ok": true, "nil": nil,
		"tags":       []any{"a", 1.0, false, nil},
		"extensions": map[string]any{"country": "ES", "cpu": map[string]any{"cores": 8.0}},
	}
	schema := NewSchema(map[string]AttrType{
		"name": String, "cpus": Number, "n": Integer, "ok": Bool, "tags": Array, "extensions": Object, "myattr": Any,
	})
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("ParseFilter(%q): error %v is not a *SyntaxError inside the input", s, err)
			}
			return
		}
		canon := flt.String()
		again, err := ParseFilter(canon)
		if err != nil {
			t.Fatalf("ParseFilter(%q) = %v, canonical %q does not parse: %v", s, flt, canon, err)
		}
		if !reflect.DeepEqual(flt, again) {
			t.Fatalf("ParseFilter(%q) = %#v, canonical %q parses to %#v", s, flt, canon, again)
		}
		if got := again.String(); got != canon {
			t.Fatalf("canonical form is not stable: %q -> %q", canon, got)
		}
		_, _ = flt.Match(doc)
		_ = flt.Validate(schema)
	})
}

// FuzzParseRawQuery: reading a query string never panics and fails closed.
// A query it refuses comes back empty with an error naming what is wrong,
// so a handler cannot fall back to "no filter". A query it accepts holds a
// filter exactly when a parameter decodes to the name "filter"; on a fixed
// set of documents that filter selects a subset of the unfiltered set and of
// what each of its terms selects alone (";" only ever narrows); and the
// query re-encodes, as a next-page link does, to one that reads back equal.
func FuzzParseRawQuery(f *testing.F) {
	for _, s := range []string{
		"",
		"filter=(eq,name,none);(eq,name,none)",
		"filter=(eq,name,none)%3B(eq,name,none)",
		"filter=(eq,name,%zz)",
		"filter=(eq,name,\xff\xfe)",
		"filter=(eq,name,%ff)",
		"filter=(eq,name,w-1)&filter=(eq,name,w-2)",
		"filter=(neq,name,w-1);(in,tags,a,b)&fields=name,extensions/country",
		"filter=(gt,cpus,4);(eq,extensions/country,ES)&exclude_default",
		"all_fields=yes",
		"all_fields&nextpage_opaque_marker=dGVuYW50LWEvd29ya2VyLTE",
		"all_fields;filter=(eq,name,x)",
		"exclude_fields=tags&fields=name",
		"%66ilter=(cont,name,w)&&",
		"filter=(eq,name,a+b)",
	} {
		f.Add(s)
	}
	docs := []map[string]any{
		{"name": "w-1", "cpus": 16.0, "ok": true, "tags": []any{"a", "b"}, "extensions": map[string]any{"country": "ES"}},
		{"name": "w-2", "cpus": 4.0, "ok": false, "tags": []any{"c"}, "extensions": map[string]any{"country": "FR"}},
		{"name": "a b", "cpus": 8.0, "tags": []any{}, "extensions": map[string]any{}},
		{"name": "", "extensions": map[string]any{"country": "ES", "cpu": map[string]any{"cores": 8.0}}},
	}
	// matches is what a list of docs answers: the handler keeps what the filter Holds for.
	matches := func(flt Filter) (set []int) {
		for i, d := range docs {
			if flt.Holds(d) {
				set = append(set, i)
			}
		}
		return set
	}
	all := matches(nil)
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := ParseRawQuery(raw)
		if err != nil {
			var pe *ParamError
			var se *SyntaxError
			if !errors.As(err, &pe) && !errors.As(err, &se) {
				t.Fatalf("ParseRawQuery(%q): untyped error %v", raw, err)
			}
			if ParamOf(err) == "" && len(raw) <= MaxQueryLength && !strings.HasPrefix(raw, "=") && !strings.Contains(raw, "&=") {
				t.Fatalf("ParseRawQuery(%q): error %v names no parameter", raw, err)
			}
			if !reflect.DeepEqual(q, Values{}) {
				t.Fatalf("ParseRawQuery(%q): error %v with Values %#v", raw, err, q)
			}
			return
		}

		var given []string
		for pair := range strings.SplitSeq(raw, "&") {
			name, value, _ := strings.Cut(pair, "=")
			if n, err := url.QueryUnescape(name); err == nil && n == ParamFilter {
				v, _ := url.QueryUnescape(value)
				given = append(given, v)
			}
		}
		flt := q.Filter()
		switch {
		case len(given) > 1:
			t.Fatalf("ParseRawQuery(%q) accepted a repeated filter", raw)
		case len(given) == 1:
			want, err := ParseFilter(given[0])
			if err != nil || len(flt) == 0 || !reflect.DeepEqual(flt, want) {
				t.Fatalf("ParseRawQuery(%q): filter %v, but the parameter %q parses to %v, %v", raw, flt, given[0], want, err)
			}
		case flt != nil:
			t.Fatalf("ParseRawQuery(%q): filter %v from no filter parameter", raw, flt)
		}

		got := matches(flt)
		if !subset(got, all) {
			t.Fatalf("%q selects %v, more than the unfiltered %v", flt, got, all)
		}
		for _, term := range flt {
			if alone := matches(Filter{term}); !subset(got, alone) {
				t.Fatalf("%q selects %v, but its term %v alone only %v", flt, got, term, alone)
			}
		}

		enc := q.Encode()
		again, err := ParseRawQuery(enc)
		if err != nil || !reflect.DeepEqual(q, again) {
			t.Fatalf("ParseRawQuery(%q) re-encodes as %q, which reads back as %#v, %v", raw, enc, again, err)
		}
	})
}

func subset(a, b []int) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
