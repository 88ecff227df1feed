package jsonparams

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestDecodeObjectRefusesInvalidUTF8: a raw JSON field is stored as sent, so bytes that are not
// UTF-8 (which the decoder would silently read as U+FFFD) are refused with the field's path.
func TestDecodeObjectRefusesInvalidUTF8(t *testing.T) {
	path := field.NewPath("spec", "templateParameters")
	for _, raw := range []string{"{\"region\":\"\xff\"}", "{\"pass\xffword\":1}"} {
		_, errs := DecodeObject([]byte(raw), 1024, path)
		if len(errs) != 1 || errs[0].Field != "spec.templateParameters" || errs[0].Type != field.ErrorTypeInvalid {
			t.Errorf("%q: %v", raw, errs)
		}
	}
	if _, errs := DecodeObject([]byte(`{"region":"eu-1 ✓"}`), 1024, path); len(errs) != 0 {
		t.Errorf("valid UTF-8: %v", errs)
	}
}
