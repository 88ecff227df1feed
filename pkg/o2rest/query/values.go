package query

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The query parameters of the O2-IMS API that are not attribute selectors.
const (
	ParamFilter         = "filter"
	ParamNextPageMarker = "nextpage_opaque_marker"
	// ParamProfile asks a deployment manager for an O2dms access profile (netweave serves
	// "k8s", alias "native_k8sapi"); only GET of one deployment manager takes it.
	ParamProfile = "profile"
)

// Bounds on one query. A list evaluates its filter and selectors against every cached object of
// the collection, so the cost of a query multiplies with the size of the inventory; these keep
// that product bounded. They sit far above anything the O-RAN SC conformance suite or an SMO
// sends: a filter listing 100 ids in one in term is about 3,800 bytes.
const (
	// MaxQueryLength bounds the query string as sent (percent-encoded), in bytes. It is more
	// than three times (percent-encoding's worst case) the longest values the bounds below
	// accept, so that the link to a next page, which re-encodes them, is always accepted too.
	MaxQueryLength = 64 << 10
	// MaxFilterLength bounds the decoded filter, in bytes: the bound the API puts on a
	// subscription's filter.
	MaxFilterLength = 8 << 10
	// MaxSelectorLength bounds the decoded value of fields and of exclude_fields, in bytes.
	MaxSelectorLength = 4 << 10
	// MaxMarkerLength bounds nextpage_opaque_marker, in bytes; the markers the server hands out
	// (a namespace/name in base64) are at most 423.
	MaxMarkerLength = 1 << 10
	// MaxFilterTerms bounds the terms of a filter (conditions joined by ";").
	MaxFilterTerms = 64
	// MaxTermValues bounds the values of one term (in, nin, cont, ncont take several).
	MaxTermValues = 128
	// MaxSelectorPaths bounds the attribute paths of fields and of exclude_fields.
	MaxSelectorPaths = 64
	// MaxPathDepth bounds the segments of one attribute path, in filter, fields and
	// exclude_fields. The schemas' attributes are at most three levels deep; only free-form
	// extensions go further, and deeper than this they hold nothing an SMO selects on.
	MaxPathDepth = 8
)

// params are the parameters ParseRawQuery knows, in the order error messages list them. Each
// may be given once: SOL013 joins filter conditions with ";" and lists paths with ",", so a
// repeated parameter is a client mistake whose meaning (first wins? last wins? both?) differs
// between implementations, and guessing would widen or narrow an answer silently.
var params = []string{ParamFilter, ParamFields, ParamExcludeFields, ParamAllFields, ParamExcludeDefault, ParamNextPageMarker, ParamProfile}

// Values is a parsed O2-IMS query string. The zero Values is an empty query.
type Values struct {
	raw            map[string]string // every parameter given, percent-decoded
	filter         Filter
	fields         []Path
	excludeFields  []Path
	allFields      bool
	excludeDefault bool
}

// ParseRawQuery reads a raw (still percent-encoded) query string, as in url.URL.RawQuery. It
// exists because url.ParseQuery is the wrong reader for SOL013: it drops a pair containing an
// unencoded ";" (the filter conjunction, which curl and most clients leave as is) or a malformed
// escape and carries on, so a filter that cannot be read would silently become no filter and a
// list would answer with the whole collection. Here parameters are separated by "&" only, a
// ";" is part of the value, and anything that cannot be read exactly is an error naming the
// parameter: a malformed percent escape, invalid UTF-8 after decoding, an unknown or repeated
// parameter, a value of the wrong shape, or a value over one of the bounds above.
//
// The filter and the fields and exclude_fields paths are parsed here; checking them against a
// model's schema is left to Filter.Validate and ParseSelector. On error the Values is empty.
func ParseRawQuery(raw string) (Values, error) {
	if len(raw) > MaxQueryLength {
		return Values{}, &ParamError{Msg: fmt.Sprintf("the query string is %d bytes, over the limit of %d", len(raw), MaxQueryLength)}
	}
	var v Values
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue // "a&&b" and a trailing "&" carry nothing
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return Values{}, &ParamError{Param: rawName, Msg: "malformed percent-encoding in the parameter name: " + err.Error()}
		}
		if name == "" {
			return Values{}, &ParamError{Msg: "a value without a parameter name: " + strconv.Quote(pair)}
		}
		if !utf8.ValidString(name) {
			return Values{}, &ParamError{Param: name, Msg: "the parameter name is not valid UTF-8"}
		}
		if !slices.Contains(params, name) {
			return Values{}, &ParamError{Param: name, Msg: "unknown parameter; O2-IMS queries take " + strings.Join(params, ", ")}
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return Values{}, &ParamError{Param: name, Msg: "malformed percent-encoding: " + err.Error()}
		}
		if !utf8.ValidString(value) {
			return Values{}, &ParamError{Param: name, Msg: "the value is not valid UTF-8 once percent-decoded"}
		}
		if _, dup := v.raw[name]; dup {
			return Values{}, &ParamError{Param: name, Msg: "given more than once; " + repeatHint(name)}
		}
		if v.raw == nil {
			v.raw = make(map[string]string, len(params))
		}
		v.raw[name] = value
	}
	if err := v.interpret(); err != nil {
		return Values{}, err
	}
	return v, nil
}

func repeatHint(name string) string {
	switch name {
	case ParamFilter:
		return "join the conditions with ';' in one filter, e.g. (eq,a,1);(eq,b,2)"
	case ParamFields, ParamExcludeFields:
		return "list the attributes with ',' in one parameter, e.g. " + name + "=a,b/c"
	}
	return "give it once"
}

// interpret checks the shape of every value and parses the ones that have a grammar.
func (v *Values) interpret() error {
	var err error
	if s, ok := v.raw[ParamAllFields]; ok {
		if v.allFields, err = parseFlag(ParamAllFields, s); err != nil {
			return err
		}
	}
	if s, ok := v.raw[ParamExcludeDefault]; ok {
		if v.excludeDefault, err = parseFlag(ParamExcludeDefault, s); err != nil {
			return err
		}
	}
	if s, ok := v.raw[ParamFilter]; ok {
		if v.filter, err = parseBoundedFilter(s); err != nil {
			return err
		}
	}
	if s, ok := v.raw[ParamFields]; ok {
		if v.fields, err = parseBoundedPaths(ParamFields, s); err != nil {
			return err
		}
	}
	if s, ok := v.raw[ParamExcludeFields]; ok {
		if v.excludeFields, err = parseBoundedPaths(ParamExcludeFields, s); err != nil {
			return err
		}
	}
	if s, ok := v.raw[ParamNextPageMarker]; ok {
		switch {
		case s == "":
			return &ParamError{Param: ParamNextPageMarker, Msg: "empty; use the value of the Link header's next page, or leave the parameter out for the first page"}
		case len(s) > MaxMarkerLength:
			return &ParamError{Param: ParamNextPageMarker, Msg: fmt.Sprintf("%d bytes, over the limit of %d; use the value of the Link header's next page", len(s), MaxMarkerLength)}
		}
	}
	_, hasFields := v.raw[ParamFields]
	_, hasExclude := v.raw[ParamExcludeFields]
	switch {
	case v.allFields && (hasFields || hasExclude || v.excludeDefault):
		return &ParamError{Param: ParamAllFields, Msg: "cannot be combined with fields, exclude_fields or exclude_default"}
	case hasFields && hasExclude:
		return &ParamError{Param: ParamExcludeFields, Msg: "cannot be combined with fields"}
	}
	return nil
}

// parseFlag reads all_fields and exclude_default: bare or "true" (what the conformance suite and
// PT send) sets the flag, "false" (the OpenAPI default of all_fields) leaves it unset.
func parseFlag(name, s string) (bool, error) {
	switch {
	case s == "" || strings.EqualFold(s, "true"):
		return true, nil
	case strings.EqualFold(s, "false"):
		return false, nil
	}
	return false, &ParamError{Param: name, Msg: "must be empty, true or false, got " + strconv.Quote(s)}
}

func parseBoundedFilter(s string) (Filter, error) {
	if len(s) > MaxFilterLength {
		return nil, &ParamError{Param: ParamFilter, Msg: fmt.Sprintf("%d bytes, over the limit of %d", len(s), MaxFilterLength)}
	}
	f, err := ParseFilter(s)
	if err != nil {
		return nil, err
	}
	if len(f) > MaxFilterTerms {
		return nil, &ParamError{Param: ParamFilter, Msg: fmt.Sprintf("%d terms, over the limit of %d", len(f), MaxFilterTerms)}
	}
	for _, t := range f {
		if len(t.Values) > MaxTermValues {
			return nil, &ParamError{Param: ParamFilter, Msg: fmt.Sprintf("term (%s,%s,...) has %d values, over the limit of %d", t.Op, t.Path, len(t.Values), MaxTermValues)}
		}
		if err := checkDepth(ParamFilter, t.Path); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func parseBoundedPaths(param, s string) ([]Path, error) {
	if len(s) > MaxSelectorLength {
		return nil, &ParamError{Param: param, Msg: fmt.Sprintf("%d bytes, over the limit of %d", len(s), MaxSelectorLength)}
	}
	paths, err := parsePathList(param, s)
	if err != nil {
		return nil, err
	}
	if len(paths) > MaxSelectorPaths {
		return nil, &ParamError{Param: param, Msg: fmt.Sprintf("%d attribute paths, over the limit of %d", len(paths), MaxSelectorPaths)}
	}
	for _, p := range paths {
		if err := checkDepth(param, p); err != nil {
			return nil, err
		}
	}
	return paths, nil
}

func checkDepth(param string, p Path) error {
	if len(p) > MaxPathDepth {
		return &ParamError{Param: param, Msg: fmt.Sprintf("attribute path %q has %d segments, over the limit of %d", p, len(p), MaxPathDepth)}
	}
	return nil
}

// Has reports whether the parameter was given.
func (v Values) Has(name string) bool {
	_, ok := v.raw[name]
	return ok
}

// Get returns the parameter's decoded value, "" when it was not given.
func (v Values) Get(name string) string { return v.raw[name] }

// Filter returns the parsed filter: nil exactly when no filter parameter was given, since
// ParseRawQuery refuses an empty one.
func (v Values) Filter() Filter { return v.filter }

// DefaultSelection reports whether the query asks for the default attributes, as if it had no
// attribute selector at all.
func (v Values) DefaultSelection() bool {
	return !v.allFields && !v.Has(ParamFields) && !v.Has(ParamExcludeFields)
}

// Profile is the profile asked for ("" for none).
func (v Values) Profile() string { return v.raw[ParamProfile] }

// AllFields reports whether all_fields is set.
func (v Values) AllFields() bool { return v.allFields }

// Only refuses the parameters an endpoint does not take (a single object has no filter and
// no pages), naming the first in the order of params.
func (v Values) Only(allowed ...string) error {
	for _, p := range params {
		if v.Has(p) && !slices.Contains(allowed, p) {
			return &ParamError{Param: p, Msg: "not supported on this resource"}
		}
	}
	return nil
}

// WithNextPageMarker returns a copy of v whose nextpage_opaque_marker is marker.
func (v Values) WithNextPageMarker(marker string) Values {
	out := v
	out.raw = make(map[string]string, len(v.raw)+1)
	for k, s := range v.raw {
		out.raw[k] = s
	}
	out.raw[ParamNextPageMarker] = marker
	return out
}

// Encode renders v as a query string that ParseRawQuery reads back to an equal Values, for
// links to further pages. Every reserved character is percent-encoded, ";" included, so the
// link means the same to a client or proxy that still splits on ";".
func (v Values) Encode() string {
	var b strings.Builder
	for _, p := range params {
		s, ok := v.raw[p]
		if !ok {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(s))
	}
	return b.String()
}
