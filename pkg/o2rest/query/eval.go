package query

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// Holds reports whether obj (a decoded O2 JSON document) satisfies every term, as a list
// and a subscription decide it: a term that cannot be evaluated on obj's value (Match's
// error) is not satisfied, whether its operator is negated or not.
//
// Such a term is a fact about one object's data, not about the filter: what Validate can
// refuse from the schema alone it refuses up front, with a 400. What is left are attributes
// the schema leaves open (extensions, template parameters), where one tenant's object may hold
// a number under the key another's holds a string. Were that a 400, one tenant's data would
// fail every other caller's filtered list over the default apiRoot, with an error no caller
// could trace; the notifier has always read it as "no match", and the list now agrees with it.
func (f Filter) Holds(obj map[string]any) bool {
	ok, err := f.Match(obj)
	return err == nil && ok
}

// Match reports whether obj (a decoded O2 JSON document) satisfies every
// term. It returns an error, naming the term, when a value cannot be coerced
// to the attribute's JSON type or the operator does not apply to it; callers
// deciding membership use Holds, which reads such a term as unsatisfied.
//
// Match does not allocate unless it returns an error: it runs once per
// object of a list, and lists reach 10,000 objects.
func (f Filter) Match(obj map[string]any) (bool, error) {
	for i := range f {
		ok, err := f[i].match(obj)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (t *Term) match(obj map[string]any) (bool, error) {
	v, found := lookup(obj, t.Path)
	if !found || v == nil {
		// A missing (or null) attribute equals nothing, orders against
		// nothing and contains nothing: only the negated operators hold.
		return t.Op.negated(), nil
	}
	var ok bool
	var err error
	switch x := v.(type) {
	case []any:
		ok, err = t.matchArray(x)
	case map[string]any:
		return false, t.errorf("attribute %q is an object; filter on one of its sub-attributes, e.g. %s/<key>", t.Path, t.Path)
	default:
		ok, err = t.positive(x)
	}
	if err != nil {
		return false, err
	}
	return ok != t.Op.negated(), nil
}

// lookup walks the path through nested objects. A path that runs into a
// non-object before its end addresses nothing: the attribute is missing.
func lookup(obj map[string]any, path Path) (any, bool) {
	var cur any = obj
	for _, seg := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[seg]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// matchArray evaluates the positive form of the operator against an array
// attribute (tags, groups): it holds when any element satisfies it, so
// (eq,tags,edge) means "tagged edge" and (neq,tags,edge) "not tagged edge".
// OO answers 400 here; SMOs filter on tags, so netweave does not.
// Ordering operators have no meaning for a set of values and are errors.
func (t *Term) matchArray(a []any) (bool, error) {
	if t.Op.ordering() {
		return false, t.errorf("operator %s does not apply to array attribute %q", t.Op, t.Path)
	}
	for _, e := range a {
		switch e.(type) {
		case nil:
			continue
		case []any, map[string]any:
			return false, t.errorf("attribute %q is an array of arrays or objects; only arrays of scalars can be filtered", t.Path)
		}
		ok, err := t.positive(e)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// positive evaluates the operator with negation stripped (neq as eq, nin
// as in, ncont as cont) against a scalar.
func (t *Term) positive(x any) (bool, error) {
	switch t.Op {
	case OpEq, OpNeq, OpIn, OpNin:
		// Every value is coerced even after a match, so that a bad value
		// is an error whatever the data, not only for some objects.
		matched := false
		for _, v := range t.Values {
			ok, err := t.equal(x, v)
			if err != nil {
				return false, err
			}
			matched = matched || ok
		}
		return matched, nil
	case OpCont, OpNcont:
		s, ok := x.(string)
		if !ok {
			return false, t.errorf("operator %s applies to strings, but attribute %q is %s", t.Op, t.Path, typeOf(x))
		}
		for _, v := range t.Values {
			if strings.Contains(s, v) {
				return true, nil
			}
		}
		return false, nil
	default:
		if len(t.Values) != 1 { // only a hand-built Term can get here
			return false, t.errorf("operator %s takes exactly one value, got %d", t.Op, len(t.Values))
		}
		c, err := t.compare(x, t.Values[0])
		if err != nil {
			return false, err
		}
		switch t.Op {
		case OpGt:
			return c > 0, nil
		case OpGte:
			return c >= 0, nil
		case OpLt:
			return c < 0, nil
		default:
			return c <= 0, nil
		}
	}
}

// equal compares an attribute value with one filter value coerced to its
// type. Strings compare exactly, except that a value that is a UUID
// compares case-insensitively (ids are UUIDs and SMOs are not consistent
// about hex case); OO does the same.
func (t *Term) equal(x any, v string) (bool, error) {
	switch x := x.(type) {
	case string:
		if validation.IsUUID(v) {
			return strings.EqualFold(x, v), nil
		}
		if a, b, ok := instants(x, v); ok {
			return a.Equal(b), nil
		}
		return x == v, nil
	case bool:
		b, ok := parseBool(v)
		if !ok {
			return false, t.errorf("attribute %q is a boolean but %q is not true or false", t.Path, v)
		}
		return x == b, nil
	}
	c, err := t.compare(x, v)
	return c == 0, err
}

// compare orders an attribute value against a filter value: strings
// lexicographically (byte order), except two RFC 3339 date-times, which
// compare as instants; numbers numerically. Booleans have no order.
func (t *Term) compare(x any, v string) (int, error) {
	switch x := x.(type) {
	case string:
		if a, b, ok := instants(x, v); ok {
			return a.Compare(b), nil
		}
		return strings.Compare(x, v), nil
	case float64:
		return t.compareFloat(x, v)
	case int64:
		return t.compareInt(x, v)
	case int:
		return t.compareInt(int64(x), v)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return t.compareInt(i, v)
		}
		f, err := x.Float64()
		if err != nil {
			return 0, t.errorf("attribute %q holds an invalid number %q", t.Path, string(x))
		}
		return t.compareFloat(f, v)
	case bool:
		return 0, t.errorf("operator %s does not apply to boolean attribute %q", t.Op, t.Path)
	}
	return 0, t.errorf("attribute %q has unsupported type %T", t.Path, x)
}

func (t *Term) compareInt(x int64, v string) (int, error) {
	if i, ok := parseInt(v); ok {
		return cmp.Compare(x, i), nil
	}
	return t.compareFloat(float64(x), v)
}

func (t *Term) compareFloat(x float64, v string) (int, error) {
	f, ok := parseNumber(v)
	if !ok {
		return 0, t.errorf("attribute %q is a number but %q is not", t.Path, v)
	}
	return cmp.Compare(x, f), nil
}

// errorf builds an evaluation error that quotes the whole term, so the
// SMO sees which condition of a long filter failed.
func (t *Term) errorf(format string, args ...any) error {
	return fmt.Errorf("filter %s: %s", t, fmt.Sprintf(format, args...))
}

func typeOf(x any) string {
	switch x.(type) {
	case string:
		return String.String()
	case bool:
		return Bool.String()
	default:
		return Number.String()
	}
}
