package validation

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/internal/decodecost"
)

// TestRegressionExtensionsDecodeFarLargerThanTheirBytes: a free-form map was bounded by its
// bytes (MaxExtensionsBytes), but the O2 face decodes every value into Go values
// (map[string]any, []any, json.Number) to render it, and keeps that rendering for each object
// version it served: 16 KiB of [{},{},...] decodes to some 370 KiB, [0,0,...] and [[],[],...]
// about as much. A tenant's Resource of 180 elements each carrying such a map (2.8 MiB, within
// the request bound) held 67 MiB of the translator's heap once listed, 125 MiB allocated at each
// rendering: a few dozen Resources, gigabytes for every tenant's O2 service. Each array, object
// and item or member after the first now counts towards the bound as well as its bytes, so
// what a map may decode to stays a small multiple of the bound.
func TestRegressionExtensionsDecodeFarLargerThanTheirBytes(t *testing.T) {
	path := field.NewPath("spec", "extensions")
	for name, unit := range map[string]string{"objects": "{}", "arrays": "[]", "numbers": "0", "strings": `""`} {
		t.Run(name, func(t *testing.T) {
			value := func(n int) []byte { return []byte("[" + strings.Repeat(unit+",", n-1) + unit + "]") }
			raw := decodecost.Largest(MaxExtensionsBytes, value, func(raw []byte) bool {
				return len(validateExtensions(o2ims.Extensions{"k": {Raw: raw}}, path)) == 0
			})
			if alloc := decodecost.Allocated(raw); alloc > 8*MaxExtensionsBytes {
				t.Errorf("a value of %d bytes is accepted and decodes to %d KiB, more than 8 times the bound of %d KiB",
					len(raw), alloc>>10, MaxExtensionsBytes>>10)
			}
		})
	}
}
