package jsonparams

import (
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
