package query

import "errors"

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

// ParseSelector builds the attribute selector of a query parsed by
// ParseRawQuery (the zero Values for none); see the package documentation
// for the semantics. defaults are the model's default attributes
// (top-level names); none means every attribute is a default. Attribute
// paths are checked against s (nil accepts anything) and every unknown one
// is named in a single *AttributeError.
func ParseSelector(q Values, s *Schema, defaults []string) (Selector, error) {
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
	case q.allFields:
		return Selector{}, nil
	case q.Has(ParamFields):
		if err := checkPaths(ParamFields, q.fields, s); err != nil || len(defaults) == 0 {
			return Selector{}, err
		}
		t := make(tree, len(defaults)+len(q.fields))
		for _, d := range defaults {
			t.add(Path{d})
		}
		for _, p := range q.fields {
			t.add(p)
		}
		return Selector{mode: selectInclude, paths: t}, nil
	case q.Has(ParamExcludeFields):
		if err := checkPaths(ParamExcludeFields, q.excludeFields, s); err != nil || len(defaults) == 0 {
			return Selector{}, err
		}
		t := make(tree, len(q.excludeFields))
		for _, p := range q.excludeFields {
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

// checkPaths validates the paths of fields or exclude_fields against the
// schema.
func checkPaths(param string, paths []Path, s *Schema) error {
	if s == nil {
		return nil
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
		return &AttributeError{Param: param, Paths: unknown, Detail: detail}
	}
	return nil
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
