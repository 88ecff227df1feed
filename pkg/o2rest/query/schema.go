package query

import "strconv"

// AttrType is the JSON type of a model attribute, as far as filters and
// attribute selectors need to know it.
type AttrType int

// Attribute types. Object without declared sub-attributes stands for an
// object with additionalProperties (extensions, capabilities, capacity):
// any sub-path below it is accepted and has type Any.
const (
	String AttrType = iota + 1
	Number
	Integer
	Bool
	Array
	Object
	Any
)

// String describes the type for error messages ("a string", "an array"...).
func (t AttrType) String() string {
	switch t {
	case String:
		return "a string"
	case Number:
		return "a number"
	case Integer:
		return "an integer"
	case Bool:
		return "a boolean"
	case Array:
		return "an array"
	case Object:
		return "an object"
	case Any:
		return "of any type"
	}
	return "AttrType(" + strconv.Itoa(int(t)) + ")"
}

// Schema describes the attributes of one O2 model. It is immutable once
// built, so one value can serve every request concurrently.
type Schema struct {
	attrs map[string]attrSpec
}

type attrSpec struct {
	typ AttrType
	sub *Schema // declared sub-attributes of an Object; nil = additionalProperties
}

// NewSchema declares a model's top-level attributes. Object attributes
// accept any sub-path until With declares their sub-attributes.
func NewSchema(attrs map[string]AttrType) *Schema {
	s := &Schema{attrs: make(map[string]attrSpec, len(attrs))}
	for name, t := range attrs {
		s.attrs[name] = attrSpec{typ: t}
	}
	return s
}

// With returns a copy of s in which name is an Object with exactly the
// sub-attributes of sub (a closed object such as v1's embedded
// alarmDictionary). s itself is not modified.
func (s *Schema) With(name string, sub *Schema) *Schema {
	c := &Schema{attrs: make(map[string]attrSpec, len(s.attrs)+1)}
	for k, v := range s.attrs {
		c.attrs[k] = v
	}
	c.attrs[name] = attrSpec{typ: Object, sub: sub}
	return c
}

// Has reports whether name is a top-level attribute.
func (s *Schema) Has(name string) bool {
	_, ok := s.attrs[name]
	return ok
}

// Lookup returns the type of the attribute at path. ok is false when the
// path does not exist; detail then says why when that is not obvious
// (the path descends into a scalar or an array).
func (s *Schema) Lookup(path Path) (t AttrType, detail string, ok bool) {
	cur := s
	for i, seg := range path {
		a, found := cur.attrs[seg]
		if !found {
			return 0, "", false
		}
		if i == len(path)-1 {
			return a.typ, "", true
		}
		switch {
		case a.typ == Any, a.typ == Object && a.sub == nil:
			return Any, "", true
		case a.typ == Object:
			cur = a.sub
		default:
			return 0, strconv.Quote(path[:i+1].String()) + " is " + a.typ.String() + " and has no sub-attributes", false
		}
	}
	return 0, "", false
}
