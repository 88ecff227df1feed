package jsonparams

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// chain is a schema of n levels whose each level applies the next one twice, in place: the
// schema library evaluates its last level 2^n times for any document.
func chain(n int) []byte {
	var defs []string
	for i := 0; i < n; i++ {
		defs = append(defs, fmt.Sprintf(`"l%d":{"anyOf":[{"$ref":"#/$defs/l%d"},{"$ref":"#/$defs/l%d","minimum":1}]}`, i, i+1, i+1))
	}
	defs = append(defs, fmt.Sprintf(`"l%d":{"type":"string"}`, n))
	return []byte(`{"$defs":{` + strings.Join(defs, ",") + `},"properties":{"x":{"$ref":"#/$defs/l0"}}}`)
}

// nested is {"x":{"x":...{"x":"leaf"}}}, depth objects deep.
func nested(depth int) map[string]any {
	var v any = "leaf"
	for i := 0; i < depth; i++ {
		v = map[string]any{"x": v}
	}
	return v.(map[string]any)
}

// perLevel doubles the evaluation at each level of the document rather than of the schema:
// each object's "x" is checked against the whole schema twice.
const perLevel = `{"anyOf":[{"properties":{"x":{"$ref":"#"}}},{"properties":{"x":{"$ref":"#"}},"required":["x"]}]}`

// TestRegressionSchemaEvaluationMultiplies: a 1.7 KB parameters schema of 22 levels, each
// applying the next one twice through anyOf and $ref, made the schema library evaluate 8
// million subschemas for every NfDeployment (or ProvisioningRequest) checked against it: 36
// s of CPU in the API server's request goroutine, doubling with each level, which the request
// timeout answers for but does not stop. Such a schema is now refused at its own write, and
// a schema whose cost multiplies with the document's depth refuses the document, both before
// the library runs.
func TestRegressionSchemaEvaluationMultiplies(t *testing.T) {
	path := field.NewPath("spec", "parametersSchema")
	_, errs := Compile(chain(40), 256*1024, path)
	if len(errs) != 1 || errs[0].Field != path.String() || !strings.Contains(errs[0].Detail, "more than 200000 steps") {
		t.Fatalf("a schema multiplying in place: want one error on %s about its cost, got %v", path, errs)
	}
	// The same shape, short enough, is an ordinary schema.
	s, errs := Compile(chain(4), 256*1024, path)
	if len(errs) != 0 {
		t.Fatalf("a short chain is refused: %v", errs)
	}
	values := field.NewPath("spec", "values")
	if errs := s.Validate(map[string]any{"x": "text"}, values); len(errs) != 0 {
		t.Errorf("a short chain refuses valid values: %v", errs)
	}

	s, errs = Compile([]byte(perLevel), 256*1024, path)
	if len(errs) != 0 {
		t.Fatalf("a schema doubling per level of the document is refused on its own: %v", errs)
	}
	if errs := s.Validate(nested(8), values); len(errs) != 0 {
		t.Errorf("8 levels (a few hundred evaluations) refused: %v", errs)
	}
	errs = s.Validate(nested(40), values)
	if len(errs) != 1 || errs[0].Field != values.String() || !strings.Contains(errs[0].Detail, "more than 200000 steps") {
		t.Fatalf("40 levels (2^40 evaluations): want one error on %s about the cost, got %v", values, errs)
	}
}

func TestEvaluationCost(t *testing.T) {
	for _, tc := range []struct {
		name, schema string
		doc          map[string]any
		want         int
		err          string
	}{
		{name: "one property", schema: `{"properties":{"a":{"type":"string"}}}`, doc: map[string]any{"a": "x", "b": 1.0}, want: 2 + 2},
		{name: "additional and pattern properties",
			schema: `{"properties":{"a":true},"patternProperties":{"^p":{"type":"string"}},"additionalProperties":{"type":"integer"}}`,
			doc:    map[string]any{"a": "x", "p1": "y", "z": 1.0},
			// root 1 + 3 names walked + 3 names × 1 pattern, a (boolean) 1, p1 1, z 1
			want: 10},
		{name: "enum and required weigh", schema: `{"required":["a","b"],"properties":{"a":{"enum":[1,2,3]}}}`, doc: map[string]any{"a": 1.0}, want: 4 + 4},
		{name: "items", schema: `{"prefixItems":[{"type":"string"}],"items":{"type":"integer"},"contains":{"const":1}}`,
			doc:  map[string]any{"l": []any{}},
			want: 2},
		{name: "items of an array", schema: `{"properties":{"l":{"prefixItems":[{"type":"string"}],"items":{"type":"integer"},"contains":{"const":1}}}}`,
			doc: map[string]any{"l": []any{"a", 1.0, 2.0}},
			// root and l (with the names and items they walk), then per item contains (with
			// its const) and prefixItems[0] or items
			want: 2 + 4 + 3*2 + 3},
		{name: "every branch counted", schema: `{"anyOf":[{"type":"string"},{"type":"object"}],"if":{"type":"object"},"then":{"minProperties":1},"else":false}`,
			doc: map[string]any{}, want: 6},
		{name: "a chain of 10", schema: string(chain(10)), doc: map[string]any{"x": "y"},
			// root, x's {"$ref"}, level i 2^i times (i = 0..10) and its anyOf's items 2^i
			// times (i = 1..10)
			want: 3 + (1<<11 - 1) + (1<<11 - 2)},
		{name: "a reference cycle", schema: `{"anyOf":[{"type":"string"},{"$ref":"#"}]}`, doc: map[string]any{}, err: "reference cycle"},
		{name: "dependent schemas of present properties only",
			schema: `{"dependentSchemas":{"a":{"required":["b"]},"c":{"required":["d"]}}}`, doc: map[string]any{"a": 1.0}, want: 2 + 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, errs := Compile([]byte(tc.schema), 256*1024, field.NewPath("s"))
			if len(errs) > 0 && tc.err == "" {
				t.Fatal(errs)
			}
			if tc.err != "" {
				if len(errs) != 1 || !strings.Contains(errs[0].Detail, tc.err) {
					t.Fatalf("want an error about %q, got %v", tc.err, errs)
				}
				return
			}
			got, err := evaluationCost(s.s, tc.doc, MaxEvaluationCost)
			if err != nil || got != tc.want {
				t.Errorf("cost %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

// TestDynamicResolutionRefused: a $dynamicRef whose target declares its $dynamicAnchor is
// resolved along the evaluation, to that anchor in any resource of the evaluation's scope,
// including subschemas nothing references, which the count cannot see: such a schema (the
// specification's own tree example) is refused at its write. A $dynamicRef without a matching
// anchor is a plain reference, counted and checked as one.
func TestDynamicResolutionRefused(t *testing.T) {
	tree := `{"$schema":"https://json-schema.org/draft/2020-12/schema","$dynamicAnchor":"node","type":"object",
		"properties":{"data":true,"children":{"type":"array","items":{"$dynamicRef":"#node"}}}}`
	_, errs := Compile([]byte(tree), 256*1024, field.NewPath("s"))
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, "$dynamicRef") {
		t.Fatalf("a $dynamicRef resolved along the evaluation: want one error about it, got %v", errs)
	}
	plain := `{"$defs":{"leaf":{"type":"string"}},"properties":{"x":{"$dynamicRef":"#/$defs/leaf"}}}`
	s, errs := Compile([]byte(plain), 256*1024, field.NewPath("s"))
	if len(errs) != 0 {
		t.Fatalf("a $dynamicRef without an anchor refused: %v", errs)
	}
	if errs := s.Validate(map[string]any{"x": 1.0}, field.NewPath("v")); len(errs) != 1 {
		t.Errorf("a plain $dynamicRef not checked: %v", errs)
	}
	if got, err := evaluationCost(s.s, map[string]any{"x": "y"}, MaxEvaluationCost); err != nil || got != 4 {
		// root (with its property), x's schema, its reference's target
		t.Errorf("cost %d, %v; want 4", got, err)
	}
}

// BenchmarkWorstCaseWithinBudget measures the schema library's work (with the count before
// it) on documents costing just under MaxEvaluationCost, one shape each: what one admission
// check may take at most.
func BenchmarkWorstCaseWithinBudget(b *testing.B) {
	enum := make([]string, 1000)
	for i := range enum {
		enum[i] = fmt.Sprint(i + 100000)
	}
	wide := map[string]any{}
	for i := 0; i < 190; i++ {
		wide[fmt.Sprint("k", i)] = 7.0
	}
	long := strings.Repeat("a", 200*1024)
	regexes := make([]any, 560)
	for i := range regexes {
		regexes[i] = "(a|b){1000}"
	}
	var patterns []string
	for i := 0; i < 9; i++ {
		patterns = append(patterns, fmt.Sprintf(`{"pattern":"a*b%d"}`, i))
	}
	for _, bc := range []struct {
		name   string
		schema string
		doc    map[string]any
	}{
		{"chain of 15", string(chain(15)), map[string]any{"x": 5.0}},
		{"doubling per level, 13 deep", perLevel, nested(13)},
		{"enum of 1000 on 190 values", `{"additionalProperties":{"enum":[` + strings.Join(enum, ",") + `]}}`, wide},
		{"9 patterns on 200 KiB", `{"properties":{"s":{"anyOf":[` + strings.Join(patterns, ",") + `]}}}`, map[string]any{"s": long}},
		{"a large pattern on 12 KiB", `{"properties":{"s":{"pattern":"(a|b|c|d|e|f|g|h){1,60}z"}}}`, map[string]any{"s": long[:12*1024]}},
		{"560 regex-format strings of (a|b){1000}", `{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"s":{"items":{"format":"regex"}}}}`,
			map[string]any{"s": regexes}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, errs := Compile([]byte(bc.schema), 256*1024, field.NewPath("s"))
			if len(errs) > 0 {
				b.Fatal(errs)
			}
			cost, err := evaluationCost(s.s, bc.doc, MaxEvaluationCost)
			if err != nil {
				b.Fatalf("cost: %v", err)
			}
			for b.Loop() {
				s.Validate(bc.doc, field.NewPath("v"))
			}
			b.ReportMetric(float64(cost), "cost")
		})
	}
}

// BenchmarkTypicalValues measures the count beside the library's check for a Helm-like
// schema and ~256 KiB of values (2,000 components of six settings each): what the bound adds
// to an ordinary admission check, and how far below MaxEvaluationCost such values are.
func BenchmarkTypicalValues(b *testing.B) {
	schema := `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":{"type":"object",
		"required":["image","replicas"],"properties":{
		"image":{"type":"string","pattern":"^[a-z0-9./:-]+$"},"replicas":{"type":"integer","minimum":0,"maximum":100},
		"pullPolicy":{"enum":["Always","IfNotPresent","Never"]},"port":{"type":"integer"},
		"labels":{"type":"object","additionalProperties":{"type":"string","maxLength":63}},
		"resources":{"$ref":"#/definitions/resources"}}},
		"definitions":{"resources":{"type":"object","properties":{"cpu":{"type":"string"},"memory":{"type":"string"}}}}}`
	values := map[string]any{}
	for i := 0; i < 2000; i++ {
		values[fmt.Sprint("component-", i)] = map[string]any{
			"image": fmt.Sprintf("registry.example.com/nf/component-%d:1.2.3", i), "replicas": 3.0, "pullPolicy": "IfNotPresent",
			"port": 8080.0, "labels": map[string]any{"tier": "upf"}, "resources": map[string]any{"cpu": "500m", "memory": "1Gi"},
		}
	}
	s, errs := Compile([]byte(schema), 256*1024, field.NewPath("s"))
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	var cost int
	b.Run("count", func(b *testing.B) {
		for b.Loop() {
			var err error
			if cost, err = evaluationCost(s.s, values, MaxEvaluationCost); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cost), "cost")
	})
	b.Run("validate", func(b *testing.B) {
		for b.Loop() {
			if errs := s.Validate(values, field.NewPath("v")); len(errs) > 0 {
				b.Fatal(errs)
			}
		}
	})
}

// TestRegressionRegexFormatUnderweighted: under draft-07 "format":"regex" is asserted, and
// the library compiles each string as a pattern, whose cost is its program, not its length:
// 20,000 strings "(a|b){1000}" were counted 60,002 and took the library 7 s.
func TestRegressionRegexFormatUnderweighted(t *testing.T) {
	s, errs := Compile([]byte(`{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"a":{"items":{"format":"regex"}}}}`), 256*1024, field.NewPath("s"))
	if len(errs) != 0 {
		t.Fatalf("compile: %v", errs)
	}
	items := make([]any, 20000)
	for i := range items {
		items[i] = `(a|b){1000}`
	}
	errs = s.Validate(map[string]any{"a": items}, field.NewPath("v"))
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, "more than 200000 steps") {
		t.Fatalf("want the check refused for its cost, got %v", errs)
	}
}

// TestRegressionSchemaNumberExponent: the library makes a big.Rat from a number's text at
// every comparison, expanding its exponent: "enum":[1e-999999] (which decodes as 0) took 20
// ms per value compared, 2 s for 100 values counted 202.
func TestRegressionSchemaNumberExponent(t *testing.T) {
	for _, schema := range []string{
		`{"items":{"enum":[1e-999999]}}`,
		`{"items":{"const":1E-999999}}`,
		`{"maxLength":1` + strings.Repeat("0", 100) + `}`,
	} {
		_, errs := Compile([]byte(schema), 256*1024, field.NewPath("s"))
		if len(errs) != 1 || !strings.Contains(errs[0].Detail, "numbers") {
			t.Errorf("%.60s: want it refused for its number, got %v", schema, errs)
		}
	}
	if _, errs := Compile([]byte(`{"items":{"enum":[1.5e-300, 1e308, -12.25]}}`), 256*1024, field.NewPath("s")); len(errs) != 0 {
		t.Errorf("ordinary numbers refused: %v", errs)
	}
}

// TestRegressionUnevaluatedSetCopiedPerSubschema: under unevaluatedProperties the schema
// library copies an object's unevaluated property names for every subschema it applies there
// in place, and merges them back, "{}" (which compiles to true) included, while the count
// weighed each such subschema one unit: an allOf of 5,000 "{}" (15 KB) beside
// "unevaluatedProperties" counted 25,001 against 20,000 properties and took the library 25 s.
// A schema applied to an object or array now weighs its properties or items. (5,000 "{}" are
// over MaxSchemaObjects now: 4,000 show the same.)
func TestRegressionUnevaluatedSetCopiedPerSubschema(t *testing.T) {
	subs := strings.TrimSuffix(strings.Repeat("{},", 4000), ",")
	s, errs := Compile([]byte(`{"allOf":[`+subs+`],"unevaluatedProperties":{"type":"integer"}}`), 256*1024, field.NewPath("s"))
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	doc := map[string]any{}
	for i := 0; i < 20000; i++ {
		doc[fmt.Sprint("p", i)] = 1.0
	}
	values := field.NewPath("spec", "values")
	errs = s.Validate(doc, values)
	if len(errs) != 1 || errs[0].Field != values.String() || !strings.Contains(errs[0].Detail, "more than 200000 steps") {
		t.Fatalf("4,000 subschemas on 20,000 properties: want one error on %s about the cost, got %v", values, errs)
	}
	if errs := s.Validate(map[string]any{"a": 1.0, "b": 2.0}, values); len(errs) != 0 {
		t.Errorf("two properties refused: %v", errs)
	}
}

// TestRegressionFailingBranchesErrorTree: every failing branch of an anyOf is a leaf error;
// 16,000 with distinct messages at one place took 3.2 s and 2.5 GB joining the detail, and at
// a place 450 deep the library's copy of the location and locate's walk cost 1.4 s and 654 MB.
func TestRegressionFailingBranchesErrorTree(t *testing.T) {
	br := make([]string, 3000)
	for i := range br {
		br[i] = fmt.Sprintf(`{"const":%d}`, i)
	}
	s, errs := Compile([]byte(`{"additionalProperties":{"anyOf":[`+strings.Join(br, ",")+`]}}`), 256*1024, field.NewPath("s"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	verrs := s.Validate(map[string]any{"k": "x"}, field.NewPath("v"))
	if len(verrs) != 2 || strings.Count(verrs[0].Detail, ";") != maxAlternatives || !strings.Contains(verrs[1].Detail, "more ways") {
		t.Fatalf("want one capped error at v.k and a note, got %d: %v", len(verrs), verrs)
	}

	deep, errs := Compile([]byte(`{"$defs":{"d":{"properties":{"a":{"$ref":"#/$defs/d"},"b":{"anyOf":[`+strings.Join(br, ",")+`]}}}},"$ref":"#/$defs/d"}`), 256*1024, field.NewPath("s"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	doc := map[string]any{"b": "x"}
	for i := 0; i < 450; i++ {
		doc = map[string]any{"a": doc}
	}
	if _, err := evaluationCost(deep.s, doc, MaxEvaluationCost); err != errTooCostly {
		t.Fatalf("3,000 failing branches 450 deep: want refused as too costly, got %v", err)
	}
}
