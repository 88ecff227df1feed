package validation

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/jsonparams"
	"github.com/netweave-io/netweave/apis/o2ims"
)

// TestRegressionDeeplyNestedExtensionsAreRefused: a tenant's Resource whose elements carried
// extensions nested 8,000 deep (within the 16 KiB bound) made each O2 list of it with a
// selection or filter, and each of its notifications, cost about a second of CPU (encoding/json
// checks every level past 1,000 for cycles), against 20 ms for a flat value of the same size:
// a few such objects timed out the operator's cluster-wide lists. Nesting is now bounded; an
// unchanged legacy value still passes an update (Ratchet).
func TestRegressionDeeplyNestedExtensionsAreRefused(t *testing.T) {
	nested := func(n int) o2ims.JSON {
		return o2ims.JSON{Raw: []byte(strings.Repeat(`{"a":[`, n/2) + `"[{\"]\\"` + strings.Repeat(`]}`, n/2))}
	}
	path := field.NewPath("spec", "extensions")
	if errs := validateExtensions(o2ims.Extensions{"ok": nested(MaxExtensionsDepth), "s": {Raw: []byte(`"` + strings.Repeat("[", 9000) + `"`)}}, path); len(errs) != 0 {
		t.Errorf("values at the bound (and brackets inside strings) refused: %v", errs)
	}
	deep := validateExtensions(o2ims.Extensions{"deep": nested(MaxExtensionsDepth + 2)}, path)
	if len(deep) != 1 || deep[0].Field != "spec.extensions[deep]" {
		t.Fatalf("a value nested past the bound: %v, want one error at spec.extensions[deep]", deep)
	}
	if got := Ratchet(deep, validateExtensions(o2ims.Extensions{"deep": nested(MaxExtensionsDepth + 2)}, path)); len(got) != 0 {
		t.Errorf("an unchanged legacy value is refused on update: %v", got)
	}
	if got := Ratchet(deep, validateExtensions(o2ims.Extensions{"deep": nested(MaxExtensionsDepth + 4)}, path)); len(got) != 1 {
		t.Errorf("a changed value past the bound passes an update: %v", got)
	}
	if _, d := jsonparams.Shape(nested(8000).Raw); d != 8000 {
		t.Errorf("depth = %d, want 8000", d)
	}
}
