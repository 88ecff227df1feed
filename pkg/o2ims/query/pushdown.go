package query

import (
	"strings"

	"k8s.io/apimachinery/pkg/fields"
)

// Pushdown splits the filter into a Kubernetes field selector, evaluated by
// the API server, and the rest, evaluated in memory with Match. fieldMap maps
// an O2 attribute path (filter syntax, e.g. "resourcePoolId") to the field
// selector key that holds the same string (e.g. "spec.resourcePoolId");
// only string attributes belong in it, since a field selector compares the
// server's rendering of the field, not a JSON number or boolean.
//
// A term is pushed down when it is (eq,attr,v) or (neq,attr,v) — or in/nin
// with a single value, which mean the same — on a mapped attribute, and
// its value v
//   - is not empty: a field selector sees a missing field as "", so
//     "key=" would match objects Match rejects (a missing attribute equals
//     nothing), and
//   - is not a UUID: Match compares UUID values case-insensitively, a field
//     selector exactly, and the API server stores ids as written (its
//     validation accepts upper-case hex). Lower-casing the value would only
//     be correct if every stored id were lower-case, which nothing enforces,
//     so UUID terms stay in memory. Should the API server ever canonicalise
//     ids to lower case, pushing strings.ToLower(v) becomes correct.
//
// Pushed terms are not repeated in rest: the server's answer already
// satisfies them. The selector is "" when nothing is pushed, and rest is
// nil when everything is.
func (f Filter) Pushdown(fieldMap map[string]string) (fieldSelector string, rest Filter) {
	var b strings.Builder
	for _, t := range f {
		key, ok := fieldMap[t.Path.String()]
		if !ok || !pushable(t) {
			rest = append(rest, t)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(key)
		if t.Op == OpEq || t.Op == OpIn {
			b.WriteByte('=')
		} else {
			b.WriteString("!=")
		}
		b.WriteString(fields.EscapeValue(t.Values[0]))
	}
	return b.String(), rest
}

func pushable(t Term) bool {
	switch t.Op {
	case OpEq, OpNeq, OpIn, OpNin:
	default:
		return false
	}
	return len(t.Values) == 1 && t.Values[0] != "" && !isUUID(t.Values[0])
}
