package v1alpha1

import (
	"encoding/json"
	"testing"
)

// TestRegressionJSONReadsBackAsWritten: a JSON value was kept as the client sent it, and
// encoding/json writes a Marshaler's output compacted and HTML-escaped, so a stored value
// read back as other bytes than it was written with.
func TestRegressionJSONReadsBackAsWritten(t *testing.T) {
	for _, in := range []string{`{"&":[0,null,"0"]}`, `[ 1, 2 ]`, `"<b>"`, "\"\u2028\"", `{"a": {"b": true}}`} {
		var v struct{ V JSON }
		if err := json.Unmarshal([]byte(`{"V":`+in+`}`), &v); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		stored, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var back struct{ V JSON }
		if err := json.Unmarshal(stored, &back); err != nil {
			t.Fatal(err)
		}
		if string(back.V.Raw) != string(v.V.Raw) {
			t.Errorf("%s: decoded as %s, read back from storage as %s", in, v.V.Raw, back.V.Raw)
		}
	}
}
