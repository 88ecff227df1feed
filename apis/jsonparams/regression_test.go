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
