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
