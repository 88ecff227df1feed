// Package model turns o2ims.oran.org/v1alpha1 objects into the JSON documents of the O-RAN
// O2-IMS inventory API, one view per inventory major version, and describes those documents
// (attribute names, types, default sets, the attributes an index can answer) for the REST
// handlers and the query layer.
//
// Versions. Major version 1 is the spec 7.0 era that the O-RAN SC compliance suite checks
// (OpenAPI "1.0.0"); major version 2 is spec 11 (OpenAPI "2.0.0"). Both are served side by side.
//
// Documents are map[string]any holding what encoding/json would decode: string, bool, nil,
// []any, map[string]any and float64, except that attributes the schema types as integer
// (civicAddress caType) are int64. Extension values are decoded from their raw JSON with
// numbers as json.Number, exactly as stored (a float64 would round integers past 2^53), except
// numbers beyond float64's range (1e400), which are given as their text: no binary64 reader
// can decode a document holding one.
//
// Every attribute a schema marks required is always present so that every response validates:
// strings as "" when unset, arrays as [], objects as {}. Required attributes with format uuid
// are the nil UUID (00000000-0000-0000-0000-000000000000) when unset, because "" is not a UUID;
// this is also what implementations with typed UUIDs (openshift-kni/oran-o2ims) emit. Optional
// attributes are left out when unset, except extensions, which is always an object so that
// filters and field selections on extensions/... behave the same on every object. An
// extension (capability, capacity) whose value is JSON null is left out: the v2 schemas do not
// allow null there, and as in a JSON merge patch, null means absent.
//
// The mapping functions never share mutable memory with their input: slices and extension
// values are rebuilt, so callers may edit the documents freely (projections, redaction).
package model
