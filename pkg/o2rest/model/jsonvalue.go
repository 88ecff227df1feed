package model

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// NilUUID stands for an unset required attribute of format uuid.
const NilUUID = "00000000-0000-0000-0000-000000000000"

// uuidOrNil returns id, or the nil UUID when it is empty, for required uuid attributes.
func uuidOrNil(id string) string {
	if id == "" {
		return NilUUID
	}
	return id
}

// extensionsObject decodes every value of ext into a fresh map; it is {} when ext is empty,
// because several schemas require the object.
//
// A key whose value is JSON null is left out. The v2 schemas give these maps
// additionalProperties {} in an OpenAPI 3.0.0 document, whose values are not nullable; and as
// in a JSON merge patch, a null member means the same as an absent one. Nulls nested deeper
// are kept: the schemas say nothing about them.
func extensionsObject(ext v1alpha1.Extensions) map[string]any {
	out := make(map[string]any, len(ext))
	for k, v := range ext {
		if val := decodeValue(v.Raw); val != nil {
			out[k] = val
		}
	}
	return out
}

// stringValuesObject is extensionsObject for the v1 schemas that declare string values
// (DeploymentManager capabilities and capacity): JSON strings are decoded, any other value is
// given as its compact JSON text, which keeps the information and still validates. Null values
// are left out, as in extensionsObject.
func stringValuesObject(ext v1alpha1.Extensions) map[string]any {
	out := make(map[string]any, len(ext))
	for k, v := range ext {
		switch val := decodeValue(v.Raw).(type) {
		case nil:
		case string:
			if v.Raw[0] == '"' {
				out[k] = val
			} else {
				out[k] = jsonText(v.Raw) // invalid JSON that decodeValue gave as text
			}
		default:
			out[k] = jsonText(v.Raw)
		}
	}
	return out
}

// jsonText is the compact JSON text of raw.
func jsonText(raw []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}

// DecodeJSON decodes one stored JSON value (free-form: extensions, Helm values, template
// parameters) into what a document holds: numbers as json.Number, exactly as stored.
func DecodeJSON(raw []byte) any { return decodeValue(raw) }

// decodeValue decodes one raw JSON value as encoding/json would into an any, numbers as
// json.Number. Scalars, which are most extension values, skip the decoder: the mapping runs
// for every object of a list.
func decodeValue(raw []byte) any {
	if len(raw) == 0 {
		return nil
	}
	switch string(raw) {
	case "null":
		return nil
	case "true":
		return true
	case "false":
		return false
	}
	if s, ok := plainString(raw); ok {
		return s
	}
	// Numbers as json.Number, exactly as stored: an integer past 2^53 (an id, a byte count)
	// decoded as float64 would be served, notified and written back (a PATCH of the service
	// configuration re-encodes the document) rounded.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		// Values that came through the API server are valid JSON; only a value built in Go
		// can get here. Showing its text keeps the rest of the object (and the list) usable.
		return string(raw)
	}
	// Only an exponent or more than 308 digits can reach past float64's range.
	if bytes.ContainsAny(raw, "eE") || len(raw) > 308 {
		return withinFloat64(v)
	}
	return v
}

// withinFloat64 replaces, in the freshly decoded v, every number beyond float64's range (1e400,
// -1e400, a 400-digit integer) by its text. Valid JSON, but no binary64 reader can take it: a
// Go client's encoding/json into any (or float64), and any I-JSON (RFC 7493) reader, refuses
// the whole document, so one tenant's extensions made the operator's entire cluster-wide list
// (and every notification carrying the object) unreadable to it. A string keeps what was
// stored; integers past 2^53 are in range and stay exact numbers.
func withinFloat64(v any) any {
	switch x := v.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(x), 64); err != nil {
			return string(x)
		}
	case []any:
		for i, e := range x {
			x[i] = withinFloat64(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = withinFloat64(e)
		}
	}
	return v
}

// plainString returns the content of a JSON string literal that needs no unescaping.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
	}
	// encoding/json replaces invalid UTF-8 with U+FFFD; leave those to it.
	if !utf8.Valid(inner) {
		return "", false
	}
	return string(inner), true
}

// stringList copies ss into a []any, [] when empty.
func stringList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
