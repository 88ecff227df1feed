package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func term(op Op, path string, values ...string) Term {
	return Term{Op: op, Path: Path(strings.Split(path, "/")), Values: values}
}

// TestGrammarReference covers every example of o2ims-reference.md §4.1
// (OO's parser tests) at the grammar level, before the arity check.
func TestGrammarReference(t *testing.T) {
	tests := []struct {
		in   string
		want Filter
	}{
		{"(eq,myattr,myvalue)", Filter{term(OpEq, "myattr", "myvalue")}},
		{"(cont,myattr,myvalue)", Filter{term(OpCont, "myattr", "myvalue")}},
		{"(eq,myattr,'my value')", Filter{term(OpEq, "myattr", "my value")}},
		{"(eq,myattr,'')", Filter{term(OpEq, "myattr", "")}},
		{"(eq,myattr,'my ) value')", Filter{term(OpEq, "myattr", "my ) value")}},
		{"(eq,myattr,'my , value')", Filter{term(OpEq, "myattr", "my , value")}},
		{"(eq,myattr,'my''value')", Filter{term(OpEq, "myattr", "my'value")}},
		{"(eq,myattr,my,value)", Filter{term(OpEq, "myattr", "my", "value")}},
		{"(eq,myattr,)", Filter{term(OpEq, "myattr")}},
		{"(eq,myattr, )", Filter{term(OpEq, "myattr", " ")}},
		{"(eq,myattr,  'my value'  )", Filter{term(OpEq, "myattr", "my value")}},
		{"(eq,myattr/yourattr,yourvalue)", Filter{term(OpEq, "myattr/yourattr", "yourvalue")}},
		{"(eq,myattr,myvalue);(neq,yourattr,yourvalue)", Filter{term(OpEq, "myattr", "myvalue"), term(OpNeq, "yourattr", "yourvalue")}},
		{"(eq,my~0attr,v)", Filter{{Op: OpEq, Path: Path{"my~attr"}, Values: []string{"v"}}}},
		{"(eq,my~1attr,v)", Filter{{Op: OpEq, Path: Path{"my/attr"}, Values: []string{"v"}}}},
		{"(eq,my~battr,v)", Filter{{Op: OpEq, Path: Path{"my@attr"}, Values: []string{"v"}}}},
	}
	for _, tt := range tests {
		p := parser{param: "filter", in: tt.in}
		got, err := p.parseFilter(false)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in   string
		want Filter
	}{
		// OO openapi and user-guide examples (§4.1).
		{"(eq,name,'my cluster');(eq,extensions/country,ES)", Filter{term(OpEq, "name", "my cluster"), term(OpEq, "extensions/country", "ES")}},
		{"(in,extensions/country,ES,US)", Filter{term(OpIn, "extensions/country", "ES", "US")}},
		{"(eq,name,pool-east-compute)", Filter{term(OpEq, "name", "pool-east-compute")}},
		{"(neq,name,local-cluster)", Filter{term(OpNeq, "name", "local-cluster")}},
		{"(eq,extensions/purpose,ran-du)", Filter{term(OpEq, "extensions/purpose", "ran-du")}},
		{"(eq,extensions/region,us-east);(eq,extensions/tier,primary)", Filter{term(OpEq, "extensions/region", "us-east"), term(OpEq, "extensions/tier", "primary")}},
		// Conformance suite (§4.3, §9).
		{"(eq,resourceTypeId,8b5d3c6e-1f4a-4d2b-9c7e-0a1b2c3d4e5f);(cont,description,worker)", Filter{term(OpEq, "resourceTypeId", "8b5d3c6e-1f4a-4d2b-9c7e-0a1b2c3d4e5f"), term(OpCont, "description", "worker")}},
		{"(eq,resourceTypeID,x);(eq,alarmAcknowledged,false)", Filter{term(OpEq, "resourceTypeID", "x"), term(OpEq, "alarmAcknowledged", "false")}},
		{"(neq,alarmAcknowledged,true)", Filter{term(OpNeq, "alarmAcknowledged", "true")}},
		{"(eq,extensions/country,US);", Filter{term(OpEq, "extensions/country", "US")}},
		// Every operator, in any case.
		{"(EQ,a,1);(Neq,a,1);(gT,a,1);(lt,a,1);(GTE,a,1);(lte,a,1);(in,a,1,2);(NIN,a,1);(cont,a,x,y);(nCont,a,x)", Filter{
			term(OpEq, "a", "1"), term(OpNeq, "a", "1"), term(OpGt, "a", "1"), term(OpLt, "a", "1"), term(OpGte, "a", "1"),
			term(OpLte, "a", "1"), term(OpIn, "a", "1", "2"), term(OpNin, "a", "1"), term(OpCont, "a", "x", "y"), term(OpNcont, "a", "x"),
		}},
		// Extension keys with '-', '.', '@', spaces and non-ASCII need no escapes.
		{"(eq,extensions/topology.kubernetes.io~1zone,eu-1a)", Filter{{Op: OpEq, Path: Path{"extensions", "topology.kubernetes.io/zone"}, Values: []string{"eu-1a"}}}},
		{"(eq,extensions/cpu-model,x);(eq,@key,y);(eq,zoné,ü)", Filter{term(OpEq, "extensions/cpu-model", "x"), term(OpEq, "@key", "y"), term(OpEq, "zoné", "ü")}},
		{"(eq,extensions/cpu/cores,4)", Filter{term(OpEq, "extensions/cpu/cores", "4")}},
		// Quoted values may hold every delimiter; unquoted ones '/', quotes and spaces.
		{"(eq,a,'x,y);(z/w''')", Filter{term(OpEq, "a", "x,y);(z/w'")}},
		{"(eq,a,eu/west)", Filter{term(OpEq, "a", "eu/west")}},
		{"(eq,name,O'Brien)", Filter{term(OpEq, "name", "O'Brien")}},
		{"(in,a, x ,'y', z)", Filter{term(OpIn, "a", " x ", "y", " z")}},
		{"(in,a,,x)", Filter{term(OpIn, "a", "", "x")}},
		{"(in,a,x,)", Filter{term(OpIn, "a", "x", "")}},
		// Spaces between terms.
		{"  (eq,a,b) ;  (eq,c,d)  ", Filter{term(OpEq, "a", "b"), term(OpEq, "c", "d")}},
	}
	for _, tt := range tests {
		got, err := ParseFilter(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		in      string
		pos     int    // 1-based, as shown to the SMO
		message string // substring of the error
	}{
		{"", 1, "empty filter"},
		{"   ", 4, "empty filter"},
		{"eq,a,b", 1, `expected '(' to start a term, found "e"`},
		{"(eq,a,b", 8, "missing ')' to close the term opened at position 1"},
		{"(eq,a,b))", 9, `unexpected ")" after term`},
		{"(eq,a,b)x", 9, `unexpected "x" after term`},
		{"(eq,a,b)(eq,c,d)", 9, `unexpected "(" after term`},
		{"(eq,a,b);;(eq,c,d)", 10, `expected '(' to start a term, found ";"`},
		{";", 1, `expected '(' to start a term, found ";"`},
		{"(foo,a,b)", 2, `unknown operator "foo"; expected one of eq, neq`},
		{"(equals,a,b)", 2, `unknown operator "equals"`},
		{"(,a,b)", 2, "missing operator"},
		{"(eq)", 4, `expected ',' after operator "eq", found ")"`},
		{"(eq,,b)", 5, `missing attribute path, found ","`},
		{"(eq,a)", 6, `expected ',' after attribute path "a", found ")"`},
		{"(eq,a//b,c)", 7, `empty segment in attribute path "a/"`},
		{"(eq,/a,c)", 5, "missing attribute path"},
		{"(eq,a/,c)", 7, `empty segment in attribute path "a/"`},
		{"(eq,a~2,c)", 6, `invalid escape "~2"`},
		{"(eq,a~,c)", 6, `invalid escape "~,"`},
		{"(eq,a~", 6, "incomplete escape"},
		{"(eq,a(b,c)", 6, `expected ',' after attribute path "a", found "("`},
		{"(eq,a,'b)", 7, "unterminated quoted value"},
		{"(eq,a,'b'c)", 10, `unexpected "c" after quoted value`},
		{"(eq,a,b;(eq,c,d)", 8, `unexpected ";" in unquoted value (missing ')'?)`},
		{"(eq,a,f(x))", 8, `unexpected "(" in unquoted value`},
		// Arity.
		{"(eq,a,)", 1, "operator eq takes exactly one value, got 0 in (eq,a,)"},
		{"(eq,myattr,my,value)", 1, "operator eq takes exactly one value, got 2"},
		{"(gt,a,1,2)", 1, "operator gt takes exactly one value, got 2"},
		{"(eq,a,b);(in,a,)", 10, "operator in takes at least one value, got none"},
		{"(cont,a,)", 1, "operator cont takes at least one value"},
	}
	for _, tt := range tests {
		_, err := ParseFilter(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: got %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Pos+1 != tt.pos || !strings.Contains(se.Msg, tt.message) {
			t.Errorf("%q: got position %d %q, want position %d containing %q", tt.in, se.Pos+1, se.Msg, tt.pos, tt.message)
		}
		if want := "invalid filter at position "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: error %q does not start with %q", tt.in, err, want)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		f    Filter
		want string
	}{
		{Filter{term(OpEq, "name", "x")}, "(eq,name,x)"},
		{Filter{term(OpIn, "a/b", "x", "y"), term(OpNcont, "c", " ")}, "(in,a/b,x,y);(ncont,c, )"},
		{Filter{term(OpEq, "a", "")}, "(eq,a,'')"},
		{Filter{term(OpEq, "a", "it's")}, "(eq,a,'it''s')"},
		{Filter{term(OpEq, "a", "x,y"), term(OpEq, "a", "(x)"), term(OpEq, "a", "x;y")}, "(eq,a,'x,y');(eq,a,'(x)');(eq,a,'x;y')"},
		{Filter{{Op: OpEq, Path: Path{"a~b", "c/d", "@e"}, Values: []string{"v"}}}, "(eq,a~0b/c~1d/@e,v)"},
		{Filter{term(OpEq, "a")}, "(eq,a,)"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%#v: got %q, want %q", tt.f, got, tt.want)
		}
	}
	if got := Op(0).String(); got != "op(0)" {
		t.Errorf("Op(0) = %q", got)
	}
}
