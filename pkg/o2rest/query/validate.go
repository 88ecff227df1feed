package query

import "fmt"

// Validate checks every term against the model's schema, so that a bad
// filter is a 400 even when the collection is empty: unknown attributes
// (an *AttributeError naming them all), values that cannot be coerced to
// the attribute's type, and operators the type does not support. A nil
// schema accepts everything.
func (f Filter) Validate(s *Schema) error {
	if s == nil {
		return nil
	}
	var unknown []string
	var detail string
	for i := range f {
		t := &f[i]
		typ, why, ok := s.Lookup(t.Path)
		if !ok {
			unknown = append(unknown, t.Path.String())
			detail = why
			continue
		}
		if err := t.checkType(typ); err != nil {
			return err
		}
	}
	if unknown != nil {
		if len(unknown) > 1 {
			detail = ""
		}
		return &AttributeError{Param: "filter", Paths: unknown, Detail: detail}
	}
	return nil
}

// checkType applies the evaluation rules of eval.go ahead of time, for the
// attribute's declared type.
func (t *Term) checkType(typ AttrType) error {
	switch typ {
	case Object:
		return fmt.Errorf("filter %s: attribute %q is an object; filter on one of its sub-attributes, e.g. %s/<key>", t, t.Path, t.Path)
	case Array:
		if t.Op.ordering() {
			return fmt.Errorf("filter %s: operator %s does not apply to array attribute %q", t, t.Op, t.Path)
		}
	case Bool:
		if t.Op.ordering() || t.Op.substring() {
			return fmt.Errorf("filter %s: operator %s does not apply to boolean attribute %q", t, t.Op, t.Path)
		}
		for _, v := range t.Values {
			if _, ok := parseBool(v); !ok {
				return fmt.Errorf("filter %s: attribute %q is a boolean but %q is not true or false", t, t.Path, v)
			}
		}
	case Number, Integer:
		if t.Op.substring() {
			return fmt.Errorf("filter %s: operator %s applies to strings, but attribute %q is %s", t, t.Op, t.Path, typ)
		}
		for _, v := range t.Values {
			if _, ok := parseNumber(v); !ok {
				return fmt.Errorf("filter %s: attribute %q is a number but %q is not", t, t.Path, v)
			}
		}
	}
	return nil
}
