package query

import (
	"errors"
	"reflect"
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
