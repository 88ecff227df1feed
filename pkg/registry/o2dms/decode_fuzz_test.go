package o2dms_test

import (
	"testing"
)

// FuzzDecodeValidate: whatever bytes a client sends as the body of a create or update of any
// o2dms.oran.org kind, decoding, defaulting, conversion, the strategies, field selectors and
// tables answer without a panic or a 500, and what is accepted is stored as it was. The seed
// corpus is in testdata/fuzz/FuzzDecodeValidate.
func FuzzDecodeValidate(f *testing.F) {
	check := servedStorage(f).NewDecodeCheck(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		check.Check(t, data)
	})
}
