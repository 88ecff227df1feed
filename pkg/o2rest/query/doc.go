// Package query implements the ETSI GS NFV-SOL 013 query language as the
// O2-IMS REST API uses it — the "filter" expression and the attribute
// selectors all_fields, fields, exclude_fields and exclude_default — over
// generic JSON documents (map[string]any as encoding/json decodes them;
// int64, int and json.Number are accepted beside float64).
//
// # Query strings (ParseRawQuery)
//
// The REST handlers read every query string with ParseRawQuery, never with
// url.ParseQuery, which drops a pair holding an unencoded ";" or a bad
// escape and so would turn an unreadable filter into no filter. Parameters
// are separated by "&" only: ";" belongs to the filter whether it arrives
// percent-encoded or not. The known parameters are filter, fields,
// exclude_fields, all_fields, exclude_default and nextpage_opaque_marker,
// each at most once; handlers narrow that with Values.Only (a single object
// takes the selectors only). Everything else is an error naming the
// parameter, meant for a 400: a malformed percent escape, invalid UTF-8
// once decoded, an unknown or repeated parameter, a flag other than empty,
// true or false, an empty filter, selector or marker, a filter or path
// list that does not parse, and any value over the Max* bounds of
// values.go. Values.Encode writes the query back for next-page links.
//
// # Filter grammar
//
//	filter  = term *( ";" term )                  ; terms are ANDed
//	term    = "(" op "," path "," [ value *( "," value ) ] ")"
//	op      = eq | neq | gt | lt | gte | lte | in | nin | cont | ncont   ; any case
//	path    = segment *( "/" segment )            ; extensions/country
//	segment = 1*( any char but , ( ) ; / )        ; ~0 = "~", ~1 = "/", ~b = "@"
//	value   = unquoted: any chars but , ) ( ;  (spaces kept)
//	        | quoted:   *" " "'" chars "'" *" "    ; '' = one quote, outer spaces dropped
//
// eq, neq, gt, lt, gte and lte take exactly one value; in, nin, cont and
// ncont at least one. "(eq,a,)" has no value; a pair of quotes with
// nothing between is one empty value. Spaces before a term, around ";"
// and at the ends are ignored, and so is one trailing ";" (the
// conformance suite writes "(eq,extensions/country,US);"). A query has at
// most one filter parameter: conditions are joined with ";" inside it.
//
// Path segments are deliberately more permissive than OO's identifier
// lexer: extension keys such as "topology.kubernetes.io" or "cpu-model"
// must be addressable without escapes. Unquoted values may not contain "("
// or ";" (quote them): with a forgotten ")" the parser then reports the
// real mistake instead of a wrong value count further on.
//
// Filter.String renders the canonical form, which parses back to an equal
// Filter (checked by FuzzParseFilter).
//
// # Evaluation (Filter.Match, Filter.Holds)
//
// Each value is coerced to the JSON type of the attribute in the object:
// numbers compare numerically (integers exactly), booleans accept only
// true and false in any case, and a value that does not coerce is an
// error. Strings compare exactly, except that eq/neq/in/nin compare a
// value that is a canonical UUID case-insensitively, and that two RFC 3339
// date-times (the attribute's and the filter's) compare as instants, for
// equality and order; otherwise gt, gte, lt and lte order strings by bytes
// and are errors on booleans; cont and ncont test
// substrings and are errors on anything but strings. A missing or null
// attribute satisfies exactly neq, nin and ncont. On an array of scalars
// (tags, groups) eq, in and cont hold when any element satisfies them and
// neq, nin and ncont when none does; ordering operators are errors there.
// Filtering on an object itself is an error: filter one of its
// sub-attributes. Filter.Validate applies the same type rules to a Schema
// up front and rejects unknown attributes: those are the 400s. What only an
// object's data can show (an open attribute, such as an extension, holding a
// number in one object and a string in another) is decided by Filter.Holds,
// which lists and subscriptions use: such a term is not satisfied by that
// object, so no caller's answer depends on data it may not see.
//
// This package has no notion of indexes: the REST handlers (pkg/o2rest,
// kindSpec.split) answer single-valued eq and in terms on the attributes
// model.FieldSelectors names from the informer cache's field index, and
// evaluate every other term with Holds on the rendered documents.
//
// # Attribute selectors (ParseSelector)
//
// Each model declares Defaults: the attributes of a response when no
// selector is given (the HTTP layer passes the schema's required ones, so
// every response stays schema-valid). Exactly one mode applies:
//
//  1. all_fields (bare or =true; =false, its OpenAPI default, counts as
//     absent): every attribute.
//  2. fields=a,b/c: the defaults plus the listed attributes; a sub-path
//     keeps only that sub-tree of an object. "(a,b)" is accepted too.
//  3. exclude_fields=a,b/c: every attribute minus the listed ones; default
//     attributes cannot be excluded and are kept silently (as PT does),
//     so the response stays schema-valid.
//  4. exclude_default (bare or =true; =false counts as absent), or no
//     selector: exactly the defaults.
//
// all_fields together with any other selector, and fields together with
// exclude_fields, are errors (reported by ParseRawQuery); exclude_default
// beside fields adds nothing (the defaults are there anyway). Unknown
// attributes are errors naming all of them. With no defaults declared,
// every attribute is a default and the selectors only validate.
//
// All errors of parsing, Validate and the selectors are meant for the
// ProblemDetails "detail" of a 400.
package query
