package inventory

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// sameJSON reports whether a and b serialize to the same JSON value. Comparing what the API
// stores, rather than Go values, ignores differences a round trip through the server erases
// (key order of extensions, nil vs empty, time precision).
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA != nil || errB != nil {
		return false
	}
	if bytes.Equal(ja, jb) {
		return true
	}
	var va, vb any
	if json.Unmarshal(ja, &va) != nil || json.Unmarshal(jb, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}
