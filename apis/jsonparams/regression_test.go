package jsonparams

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestRegressionDeepSchemaRefused (found by the o2dms strategy fuzz test): a parameters schema
// nested a few thousand "items" deep, well within the size limit, took the schema library
// minutes to check, on every write of the descriptor or template and of every NfDeployment
// checked against it. Past MaxSchemaDepth it is refused at once with an error on its path.
func TestRegressionDeepSchemaRefused(t *testing.T) {
	nest := func(n int) []byte {
		return []byte(strings.Repeat(`{"items":`, n) + `{"type":"string"}` + strings.Repeat("}", n))
	}
	path := field.NewPath("spec", "parametersSchema")
	if _, errs := Compile(nest(MaxSchemaDepth-1), 256*1024, path); len(errs) != 0 {
		t.Fatalf("a schema at the depth limit is refused: %v", errs)
	}
	_, errs := Compile(nest(5000), 256*1024, path)
	if len(errs) != 1 || errs[0].Field != path.String() || !strings.Contains(errs[0].Detail, "deep") {
		t.Fatalf("want one error on %s about the nesting, got %v", path, errs)
	}
	// Brackets inside strings are text, not nesting.
	if d, objects := shape([]byte(`{"a":"[[[{{{\"[[","b":[{}]}`)); d != 3 || objects != 2 {
		t.Errorf("depth %d and %d objects, want 3 and 2", d, objects)
	}
}

// TestRegressionManySubschemasRefused (found by review): the schema library's compile grows with
// the square of a schema's subschemas: an anyOf of 80,000 "{}" (240 KB, within the size limit)
// took 37 s to compile, on every write of its descriptor or template and of every
// NfDeployment or ProvisioningRequest checked against it. Past MaxSchemaObjects objects a
// schema is refused before the library reads it.
func TestRegressionManySubschemasRefused(t *testing.T) {
	path := field.NewPath("spec", "parametersSchema")
	anyOf := func(n int) []byte {
		return []byte(`{"anyOf":[` + strings.TrimSuffix(strings.Repeat(`{},`, n), ",") + `]}`)
	}
	if _, errs := Compile(anyOf(MaxSchemaObjects-1), 256*1024, path); len(errs) != 0 {
		t.Fatalf("a schema at the limit is refused: %v", errs)
	}
	_, errs := Compile(anyOf(80_000), 256*1024, path)
	if len(errs) != 1 || errs[0].Field != path.String() || !strings.Contains(errs[0].Detail, "at most 5000 JSON objects") {
		t.Fatalf("want one error on %s about the subschemas, got %v", path, errs)
	}
}

// TestRegressionSchemaLiteralsWeighNothing: the count weighed a dependentRequired (or draft-07
// dependencies) list as one, and nothing for the text the library's error messages quote
// (const, enum, pattern, required names). A list of 25,000 names applied to 3,000 objects
// {"a":1} took 23 s and 8 GB; a 250 KB "const" against 5,000 properties took 2.9 s and
// 1.2 GB formatting a message a failure. Both are now refused before the library runs.
func TestRegressionSchemaLiteralsWeighNothing(t *testing.T) {
	path := field.NewPath("spec", "parametersSchema")
	values := field.NewPath("spec", "values")
	names := make([]string, 25_000)
	for i := range names {
		names[i] = fmt.Sprintf(`"n%d"`, i)
	}
	objs := make([]any, 3_000)
	for i := range objs {
		objs[i] = map[string]any{"a": 1}
	}
	many := map[string]any{}
	for i := 0; i < 5_000; i++ {
		many[fmt.Sprintf("k%d", i)] = "y"
	}
	for _, c := range []struct {
		schema string
		doc    map[string]any
	}{
		{`{"properties":{"x":{"items":{"dependentRequired":{"a":[` + strings.Join(names, ",") + `]}}}}}`, map[string]any{"x": objs}},
		{`{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"x":{"items":{"dependencies":{"a":[` + strings.Join(names, ",") + `]}}}}}`, map[string]any{"x": objs}},
		{`{"additionalProperties":{"const":"` + strings.Repeat("x", 250_000) + `"}}`, many},
	} {
		s, errs := Compile([]byte(c.schema), 256*1024, path)
		if len(errs) != 0 {
			t.Fatalf("schema refused: %v", errs)
		}
		errs = s.Validate(c.doc, values)
		if len(errs) != 1 || !strings.Contains(errs[0].Detail, "more than 200000 steps") {
			t.Errorf("want the values refused for their cost, got %d errors", len(errs))
		}
	}
}

// TestRegressionUniqueItemsHashCollisions (found by review): the library hashes an array's
// items for uniqueItems with a byte stream that does not tell ["a\u0004","b"] from
// ["a","\u0004b"], and compares each item with every earlier one of the same hash. 1,001
// distinct arrays of 90 zeros and five such strings (250 KB) took it 18 s, as a document's
// array (counted 97,000) or as a draft-04/06 schema's enum checked against its metaschema.
// Both are now refused before the library runs; distinct enum values still compile.
func TestRegressionUniqueItemsHashCollisions(t *testing.T) {
	var tails []string
	var rec func(parts []string, left int)
	rec = func(parts []string, left int) {
		if len(tails) >= 1001 {
			return
		}
		if len(parts) == 4 {
			tails = append(tails, strings.Join(append(parts, `"`+strings.Repeat(`\u0004`, left)+`"`), ","))
			return
		}
		for k := 0; k <= left; k++ {
			rec(append(append([]string{}, parts...), `"`+strings.Repeat(`\u0004`, k)+`"`), left-k)
		}
	}
	rec(nil, 10)
	prefix := strings.Repeat("0,", 90)
	items := make([]string, len(tails))
	for i, tail := range tails {
		items[i] = "[" + prefix + tail + "]"
	}
	arr := "[" + strings.Join(items, ",") + "]"

	path := field.NewPath("spec", "parametersSchema")
	values := field.NewPath("spec", "values")
	_, errs := Compile([]byte(`{"$schema":"http://json-schema.org/draft-04/schema#","enum":`+arr+`}`), 256*1024, path)
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, "enum values") {
		t.Fatalf("want the colliding enum refused, got %v", errs)
	}
	nums := make([]string, 30_000)
	for i := range nums {
		nums[i] = fmt.Sprint(i - 15_000)
	}
	if _, errs := Compile([]byte(`{"$schema":"http://json-schema.org/draft-04/schema#","enum":[`+strings.Join(nums, ",")+`]}`), 256*1024, path); len(errs) != 0 {
		t.Fatalf("an enum of distinct numbers (1 and -1 hash alike) is refused: %v", errs)
	}
	sch, errs := Compile([]byte(`{"properties":{"a":{"uniqueItems":true}}}`), 256*1024, path)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	doc, errs := DecodeObject([]byte(`{"a":`+arr+`}`), 256*1024, values)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	errs = sch.Validate(doc, values)
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, "would take more than") {
		t.Fatalf("want the colliding items refused, got %v", errs)
	}
	if errs := sch.Validate(map[string]any{"a": []any{1.0, -1.0, "x", []any{"a"}}}, values); len(errs) != 0 {
		t.Fatalf("distinct items are refused: %v", errs)
	}
}

// TestRegressionPatternsCompileCost (found by review): the library compiles every pattern (and
// patternProperties name) twice, and a repetition expands its operand up to 1000 times: 9,000
// patternProperties names "(a|b){1000}N" (206 KB) took 27 s to compile. Patterns are now
// weighed, all together, before the library reads them; ordinary ones still compile.
func TestRegressionPatternsCompileCost(t *testing.T) {
	path := field.NewPath("spec", "parametersSchema")
	names := make([]string, 9_000)
	for i := range names {
		names[i] = fmt.Sprintf(`"(a|b){1000}%d":true`, i)
	}
	_, errs := Compile([]byte(`{"patternProperties":{`+strings.Join(names, ",")+`}}`), 256*1024, path)
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, "instructions") {
		t.Fatalf("want the patterns refused, got %v", errs)
	}
	subs := make([]string, 1_000)
	for i := range subs {
		subs[i] = fmt.Sprintf(`{"pattern":"^[a-z0-9]([-a-z0-9]*[a-z0-9])?%d$","patternProperties":{"^x-.{0,63}$":true}}`, i)
	}
	if _, errs := Compile([]byte(`{"allOf":[`+strings.Join(subs, ",")+`]}`), 256*1024, path); len(errs) != 0 {
		t.Fatalf("ordinary patterns are refused: %v", errs)
	}
}
