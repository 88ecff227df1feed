package query

import (
	"strconv"
	"strings"
)

// Op is a SOL013 filter operator.
type Op uint8

// The ten operators of ETSI GS NFV-SOL 013 §5.2, as O2-IMS uses them.
const (
	OpEq Op = iota + 1
	OpNeq
	OpGt
	OpLt
	OpGte
	OpLte
	OpIn
	OpNin
	OpCont
	OpNcont
)

// String returns the canonical (lower-case) spelling of the operator.
func (o Op) String() string {
	switch o {
	case OpEq:
		return "eq"
	case OpNeq:
		return "neq"
	case OpGt:
		return "gt"
	case OpLt:
		return "lt"
	case OpGte:
		return "gte"
	case OpLte:
		return "lte"
	case OpIn:
		return "in"
	case OpNin:
		return "nin"
	case OpCont:
		return "cont"
	case OpNcont:
		return "ncont"
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// lookupOp matches an operator name case-insensitively, as SOL013 requires.
func lookupOp(s string) (Op, bool) {
	for o := OpEq; o <= OpNcont; o++ {
		if strings.EqualFold(s, o.String()) {
			return o, true
		}
	}
	return 0, false
}

// singleValued reports whether the operator takes exactly one value.
func (o Op) singleValued() bool { return o <= OpLte }

// ordering reports whether the operator compares order (gt, lt, gte, lte).
func (o Op) ordering() bool { return o >= OpGt && o <= OpLte }

// substring reports whether the operator tests substrings (cont, ncont).
func (o Op) substring() bool { return o == OpCont || o == OpNcont }

// negated reports whether the operator is the complement of a positive
// operator (neq of eq, nin of in, ncont of cont). A missing attribute
// satisfies exactly the negated operators.
func (o Op) negated() bool { return o == OpNeq || o == OpNin || o == OpNcont }

// Path addresses an attribute: one segment per nesting level, unescaped
// (a segment may contain "/", "~" or "@" literally).
type Path []string

// String renders the path in filter syntax: segments joined by "/", with "~"
// written as "~0" and "/" as "~1". Segments of a parsed path never contain
// ",", "(", ")" or ";"; a hand-built path containing them has no filter
// spelling and renders as-is.
func (p Path) String() string {
	if len(p) == 1 && !strings.ContainsAny(p[0], "~/") {
		return p[0]
	}
	var b strings.Builder
	p.writeTo(&b)
	return b.String()
}

func (p Path) writeTo(b *strings.Builder) {
	for i, seg := range p {
		if i > 0 {
			b.WriteByte('/')
		}
		for j := 0; j < len(seg); j++ {
			switch seg[j] {
			case '~':
				b.WriteString("~0")
			case '/':
				b.WriteString("~1")
			default:
				b.WriteByte(seg[j])
			}
		}
	}
}

// Term is one "(op,path,values...)" condition.
type Term struct {
	Op     Op
	Path   Path
	Values []string
}

// String renders the term canonically: lower-case operator, escaped path,
// values unquoted unless they are empty or contain one of ",()';" — then
// single-quoted with "'" doubled. The result parses back to an equal Term.
func (t Term) String() string {
	var b strings.Builder
	t.writeTo(&b)
	return b.String()
}

func (t Term) writeTo(b *strings.Builder) {
	b.WriteByte('(')
	b.WriteString(t.Op.String())
	b.WriteByte(',')
	t.Path.writeTo(b)
	b.WriteByte(',')
	for i, v := range t.Values {
		if i > 0 {
			b.WriteByte(',')
		}
		writeValue(b, v)
	}
	b.WriteByte(')')
}

func writeValue(b *strings.Builder, v string) {
	if v != "" && !strings.ContainsAny(v, ",()';") {
		b.WriteString(v)
		return
	}
	b.WriteByte('\'')
	b.WriteString(strings.ReplaceAll(v, "'", "''"))
	b.WriteByte('\'')
}

// Filter is a conjunction of terms. The empty Filter matches everything.
type Filter []Term

// String renders the filter canonically (terms joined by ";"); see Term.String.
func (f Filter) String() string {
	var b strings.Builder
	for i := range f {
		if i > 0 {
			b.WriteByte(';')
		}
		f[i].writeTo(&b)
	}
	return b.String()
}

// ParseFilter parses one value of the "filter" query parameter. The result
// is never empty: an empty or blank string is an error, so a caller that
// wants "?filter=" to mean "no filter" must check for it first.
func ParseFilter(s string) (Filter, error) {
	p := parser{param: "filter", in: s}
	return p.parseFilter(true)
}
