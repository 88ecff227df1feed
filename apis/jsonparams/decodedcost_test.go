package jsonparams_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/jsonparams"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/internal/decodecost"
)

// TestRegressionParametersDecodeFarLargerThanTheirBytes: an NfDeployment's values (256 KiB)
// and a ProvisioningRequest's templateParameters (64 KiB) were bounded by their bytes only, and
// are decoded at every rendering on the O2 face, every notification and every reconcile that
// reads them: 256 KiB of {"a":[0,0,...]} decoded to some 9 MB, twice per NfDeployment
// notification (the object before and after). Each array, object, item and member now counts
// towards the bound too, as for extensions, so what is accepted decodes to a few times the bound
// at most; an update that leaves a stored object as it was still passes.
func TestRegressionParametersDecodeFarLargerThanTheirBytes(t *testing.T) {
	const limit = 256 << 10
	path := field.NewPath("spec", "values")
	for name, unit := range map[string]string{"objects": "{}", "arrays": "[]", "numbers": "0", "strings": `""`} {
		t.Run(name, func(t *testing.T) {
			value := func(n int) []byte { return []byte(`{"a":[` + strings.Repeat(unit+",", n-1) + unit + "]}") }
			raw := decodecost.Largest(limit, value, func(raw []byte) bool { return len(jsonparams.ValidateObject(raw, limit, path)) == 0 })
			if alloc := decodecost.Allocated(raw); alloc > 8*limit {
				t.Errorf("values of %d bytes are accepted and decode to %d KiB, more than 8 times the bound of %d KiB",
					len(raw), alloc>>10, limit>>10)
			}

			// Stored before the bound, left as it was by an update: accepted; changed: refused.
			stored := value(limit / 8)
			if errs := jsonparams.ValidateObject(stored, limit, path); len(errs) == 0 {
				t.Fatalf("%d items of %s accepted", limit/8, unit)
			}
			if errs := validation.Ratchet(jsonparams.ValidateObject(stored, limit, path), jsonparams.ValidateObject(stored, limit, path)); len(errs) > 0 {
				t.Errorf("an update leaving the stored values as they were: %v", errs)
			}
			if errs := validation.Ratchet(jsonparams.ValidateObject(value(limit/8+1), limit, path), jsonparams.ValidateObject(stored, limit, path)); len(errs) == 0 {
				t.Error("an update growing oversized values was accepted")
			}
		})
	}
}
