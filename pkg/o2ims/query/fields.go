package query

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// The attribute-selector query parameters of SOL013 §5.3.
const (
	ParamAllFields      = "all_fields"
	ParamFields         = "fields"
	ParamExcludeFields  = "exclude_fields"
	ParamExcludeDefault = "exclude_default"
)

// Selector decides which attributes of an object a response carries. The
// zero Selector keeps everything.
type Selector struct {
	mode  selectMode
	paths tree // kept (include) or dropped (exclude) attributes
}

type selectMode uint8

const (
	selectAll selectMode = iota
	selectInclude
	selectExclude
)

// ParseSelector reads all_fields, fields, exclude_fields and
// exclude_default from q; see the package documentation for the
// semantics. defaults are the model's default attributes (top-level
// names); none means every attribute is a default. Attribute paths are
// checked against s (nil accepts anything) and every unknown one is named
// in a single *AttributeError.
func ParseSelector(q url.Values, s *Schema, defaults []string) (Selector, error) {
	_, all := q[ParamAllFields]
	include, hasInclude := q[ParamFields]
	exclude, hasExclude := q[ParamExcludeFields]
	excludeDefault, err := parseExcludeDefault(q)
	if err != nil {
		return Selector{}, err
	}
	switch {
	case all && (hasInclude || hasExclude || excludeDefault):
		return Selector{}, errors.New("all_fields cannot be combined with fields, exclude_fields or exclude_default")
	case hasInclude && hasExclude:
		return Selector{}, errors.New("fields and exclude_fields cannot be combined")
	}

	if s != nil {
		for _, d := range defaults {
			if !s.Has(d) {
				// A programming error in the caller, reported rather than
				// panicking so that one bad model cannot take the server down.
				return Selector{}, errors.New("default attribute " + d + " is not in the schema")
			}
		}
	}

	switch {
	case all:
		return Selector{}, nil
	case hasInclude:
		paths, err := parsePathLists(ParamFields, include, s)
		if err != nil || len(defaults) == 0 {
			return Selector{}, err
		}
		t := make(tree, len(defaults)+len(paths))
		for _, d := range defaults {
			t.add(Path{d})
		}
		for _, p := range paths {
			t.add(p)
		}
		return Selector{mode: selectInclude, paths: t}, nil
	case hasExclude:
		paths, err := parsePathLists(ParamExcludeFields, exclude, s)
		if err != nil || len(defaults) == 0 {
			return Selector{}, err
		}
		t := make(tree, len(paths))
		for _, p := range paths {
			if !contains(defaults, p[0]) {
				t.add(p)
			}
		}
		if len(t) == 0 {
			return Selector{}, nil
		}
		return Selector{mode: selectExclude, paths: t}, nil
	default: // exclude_default, or no selector at all
		if len(defaults) == 0 {
			return Selector{}, nil
		}
		t := make(tree, len(defaults))
		for _, d := range defaults {
			t.add(Path{d})
		}
		return Selector{mode: selectInclude, paths: t}, nil
	}
}

// parseExcludeDefault accepts a bare "exclude_default" or "=true" (what PT
// and the conformance suite send) and treats "=false" as absent.
func parseExcludeDefault(q url.Values) (bool, error) {
	on := false
	for _, v := range q[ParamExcludeDefault] {
		switch {
		case v == "" || strings.EqualFold(v, "true"):
			on = true
		case strings.EqualFold(v, "false"):
		default:
			return false, errors.New("exclude_default must be empty, true or false, got " + strconv.Quote(v))
		}
	}
	return on, nil
}

// parsePathLists parses every occurrence of a fields/exclude_fields
// parameter and validates the paths against the schema.
func parsePathLists(param string, values []string, s *Schema) ([]Path, error) {
	var paths []Path
	for i, v := range values {
		ps, err := parsePathList(param, v)
		if err != nil {
			if se, ok := err.(*SyntaxError); ok && len(values) > 1 {
				se.Index = i + 1
			}
			return nil, err
		}
		paths = append(paths, ps...)
	}
	if s == nil {
		return paths, nil
	}
	var unknown []string
	var detail string
	for _, p := range paths {
		if _, why, ok := s.Lookup(p); !ok {
			unknown = append(unknown, p.String())
			detail = why
		}
	}
	if unknown != nil {
		if len(unknown) > 1 {
			detail = ""
		}
		return nil, &AttributeError{Param: param, Paths: unknown, Detail: detail}
	}
	return paths, nil
}

// parsePathList parses "a,b/c" with the filter's path syntax. One pair of
// enclosing parentheses is accepted: the conformance suite sends
// "fields=(resourceTypeId,WrongAttrName)" and expects the 400 to be about
// the attribute, not the punctuation.
func parsePathList(param, v string) ([]Path, error) {
	p := parser{param: param, in: v}
	closing := byte(0)
	if v != "" && v[0] == '(' {
		p.pos++
		closing = ')'
	}
	var paths []Path
	for {
		path, err := p.parsePath()
		if err != nil {
			return nil, err
		}
		paths = append(paths, path)
		switch {
		case p.eof() && closing == 0:
			return paths, nil
		case p.eof():
			return nil, p.errorf(p.pos, "missing ')' to close the list opened at position 1")
		case p.in[p.pos] == ',':
			p.pos++
		case p.in[p.pos] == closing && p.pos == len(p.in)-1:
			return paths, nil
		default:
			return nil, p.errorf(p.pos, "unexpected %s in attribute list; expected ',' between attribute paths", p.found(p.pos))
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
