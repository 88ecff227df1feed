package jsonparams

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// DecodeObject decodes raw as a JSON object no larger than limit, in UTF-8. The bytes are what
// the API server stores (a raw JSON field is kept verbatim), so bytes that are not UTF-8 are
// refused: the decoder would read them as U+FFFD, and every strict JSON reader of the object
// (kubectl, an SMO, the controller) would fail on them or read something else.
func DecodeObject(raw []byte, limit int, path *field.Path) (map[string]any, field.ErrorList) {
	if len(raw) > limit {
		return nil, field.ErrorList{field.TooLong(path, "", limit)}
	}
	if !utf8.Valid(raw) {
		return nil, field.ErrorList{field.Invalid(path, field.OmitValueType{}, "must be valid UTF-8")}
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, field.ErrorList{field.Invalid(path, "", fmt.Sprintf("must be JSON: %v", err))}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, field.ErrorList{field.Invalid(path, "", fmt.Sprintf("must be a JSON object, not %s", jsonType(v)))}
	}
	return obj, nil
}

// ValueWeight is what each array, object, and array item or object member after the first
// inside a free-form value counts towards its byte bound besides its bytes: decoding gives each
// a Go value of 60 to 80 bytes, so 256 KiB of [0,0,...] decoded to some 9 MB, at every
// rendering, notification and reconcile that reads it. At this weight a value decodes to a few
// times its bound at most; strings and other scalars count their bytes alone.
const ValueWeight = 16

// Shape reads the JSON text raw outside its strings, in one pass, for what decoding it costs
// beyond its bytes (ShapeScanner): its values and its depth. Both are 0 for a scalar.
func Shape(raw []byte) (values, depth int) {
	var s ShapeScanner
	_, _ = s.Write(raw)
	return s.Values, s.Depth
}

// ShapeScanner reads JSON text written to it a piece at a time, outside its strings, for what
// decoding it costs beyond its bytes: Values counts its arrays and objects and their items and
// members after the first (its brackets, braces, commas and colons), each a Go value decoding
// allocates; Depth is how deeply it nests arrays and objects, what walking it recurses.
type ShapeScanner struct {
	Values, Depth int
	// open, inString and escaped are where the scan is, between writes.
	open              int
	inString, escaped bool
}

// Write scans p; it never fails.
func (s *ShapeScanner) Write(p []byte) (int, error) {
	for _, c := range p {
		switch {
		case s.escaped:
			s.escaped = false
		case s.inString:
			if c == '\\' {
				s.escaped = true
			} else if c == '"' {
				s.inString = false
			}
		case c == '"':
			s.inString = true
		case c == '[' || c == '{':
			s.Values++
			s.open++
			s.Depth = max(s.Depth, s.open)
		case c == ']' || c == '}':
			s.open--
		case c == ',' || c == ':':
			s.Values++
		}
	}
	return len(p), nil
}

// ValidateObject is what the API requires of a free-form object of parameters: DecodeObject's
// checks, and its bytes with ValueWeight for each structural value within limit. The size
// error keeps the value, so that an update leaving a stored object as it was passes
// (o2ims validation.Ratchet). Reading a stored object (DecodeObject) applies no weight: what
// was accepted before keeps deploying.
func ValidateObject(raw []byte, limit int, path *field.Path) field.ErrorList {
	if _, errs := DecodeObject(raw, limit, path); len(errs) > 0 {
		return errs
	}
	if values, _ := Shape(raw); len(raw)+ValueWeight*values > limit {
		e := field.TooLong(path, "", limit)
		e.BadValue = string(raw)
		e.Detail = fmt.Sprintf("may not be more than %d bytes, each array, object, item and member counting %d bytes more (what it decodes to)", limit, ValueWeight)
		return field.ErrorList{e}
	}
	return nil
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64, json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}

// Merge merges over into base (both are modified or reused) as Helm merges user values over a
// chart's: objects merge key by key, other values replace, and a null in over deletes the key.
func Merge(base, over map[string]any) map[string]any {
	for k, v := range over {
		if v == nil {
			delete(base, k)
			continue
		}
		if vm, ok := v.(map[string]any); ok {
			if bm, ok := base[k].(map[string]any); ok {
				base[k] = Merge(bm, vm)
				continue
			}
		}
		base[k] = v
	}
	return base
}
