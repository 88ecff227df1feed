package query

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// opList is quoted in "unknown operator" messages so the SMO sees the choices.
const opList = "eq, neq, gt, lt, gte, lte, in, nin, cont, ncont"

// parser is a hand-written recursive-descent parser over the raw parameter
// value. It works on bytes: every delimiter is ASCII, so multi-byte UTF-8
// sequences pass through values and path segments untouched.
type parser struct {
	param string
	in    string
	pos   int
}

func (p *parser) errorf(pos int, format string, args ...any) error {
	return &SyntaxError{Param: p.param, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) eof() bool { return p.pos >= len(p.in) }

// found quotes the character at pos for "found X" messages.
func (p *parser) found(pos int) string {
	if pos >= len(p.in) {
		return "end of input"
	}
	_, n := utf8.DecodeRuneInString(p.in[pos:])
	return strconv.Quote(p.in[pos : pos+n])
}

func (p *parser) skipSpaces() {
	for p.pos < len(p.in) && p.in[p.pos] == ' ' {
		p.pos++
	}
}

// parseFilter parses `term *(";" term) [";"]`. Spaces are tolerated around
// terms (before "(", around ";" and at the ends) because they carry no
// meaning there. checkArity is false only in tests that inspect the raw grammar
// (e.g. "(eq,a,)" has zero values, which eq then rejects).
func (p *parser) parseFilter(checkArity bool) (Filter, error) {
	p.skipSpaces()
	if p.eof() {
		return nil, p.errorf(p.pos, "empty filter; expected a term such as (eq,name,value)")
	}
	var f Filter
	for {
		t, err := p.parseTerm(checkArity)
		if err != nil {
			return nil, err
		}
		f = append(f, t)
		p.skipSpaces()
		if p.eof() {
			return f, nil
		}
		if p.in[p.pos] != ';' {
			return nil, p.errorf(p.pos, "unexpected %s after term; expected ';' or end of filter", p.found(p.pos))
		}
		p.pos++
		p.skipSpaces()
		if p.eof() {
			// One trailing ";" is tolerated: the conformance suite's own
			// subscription example is "(eq,extensions/country,US);".
			return f, nil
		}
	}
}

// parseTerm parses `"(" op "," path "," [value *("," value)] ")"`.
func (p *parser) parseTerm(checkArity bool) (Term, error) {
	start := p.pos
	if p.in[p.pos] != '(' {
		return Term{}, p.errorf(p.pos, "expected '(' to start a term, found %s", p.found(p.pos))
	}
	p.pos++

	opStart := p.pos
	for !p.eof() && !strings.ContainsRune(",();", rune(p.in[p.pos])) {
		p.pos++
	}
	tok := p.in[opStart:p.pos]
	if tok == "" {
		return Term{}, p.errorf(opStart, "missing operator, found %s; expected one of %s", p.found(opStart), opList)
	}
	op, ok := lookupOp(tok)
	if !ok {
		return Term{}, p.errorf(opStart, "unknown operator %q; expected one of %s", tok, opList)
	}
	if err := p.expect(',', "after operator "+strconv.Quote(tok)); err != nil {
		return Term{}, err
	}

	path, err := p.parsePath()
	if err != nil {
		return Term{}, err
	}
	if err := p.expect(',', "after attribute path "+strconv.Quote(path.String())); err != nil {
		return Term{}, err
	}

	var values []string
	if !p.eof() && p.in[p.pos] == ')' {
		p.pos++ // "(op,path,)": zero values
	} else {
		for {
			v, err := p.parseValue()
			if err != nil {
				return Term{}, err
			}
			values = append(values, v)
			if p.eof() {
				return Term{}, p.errorf(p.pos, "missing ')' to close the term opened at position %d", start+1)
			}
			c := p.in[p.pos]
			p.pos++
			if c == ')' {
				break
			}
			if c != ',' {
				return Term{}, p.errorf(p.pos-1, "unexpected %s after quoted value; expected ',' or ')'", p.found(p.pos-1))
			}
		}
	}

	t := Term{Op: op, Path: path, Values: values}
	if checkArity {
		if err := p.checkArity(t, start); err != nil {
			return Term{}, err
		}
	}
	return t, nil
}

func (p *parser) checkArity(t Term, start int) error {
	n := len(t.Values)
	switch {
	case t.Op.singleValued() && n != 1:
		return p.errorf(start, "operator %s takes exactly one value, got %d in %s", t.Op, n, p.in[start:p.pos])
	case n == 0:
		return p.errorf(start, "operator %s takes at least one value, got none in %s", t.Op, p.in[start:p.pos])
	}
	return nil
}

func (p *parser) expect(c byte, context string) error {
	if p.eof() || p.in[p.pos] != c {
		return p.errorf(p.pos, "expected %q %s, found %s", c, context, p.found(p.pos))
	}
	p.pos++
	return nil
}

// parseValue parses one value. A value whose first non-space character is
// "'" is quoted: a doubled quote stands for one, and the spaces around the quotes are
// dropped. Anything else is unquoted and runs, spaces included, up to the
// next "," or ")". Unquoted values may not contain "(" or ";": allowing them
// would turn a forgotten ")" into a confusing arity error two terms later,
// so the parser stops right there and asks for quotes instead.
func (p *parser) parseValue() (string, error) {
	j := p.pos
	for j < len(p.in) && p.in[j] == ' ' {
		j++
	}
	if j < len(p.in) && p.in[j] == '\'' {
		return p.parseQuoted(j)
	}
	start := p.pos
	for !p.eof() {
		switch p.in[p.pos] {
		case ',', ')':
			return p.in[start:p.pos], nil
		case '(', ';':
			return "", p.errorf(p.pos, "unexpected %s in unquoted value (missing ')'?); quote values containing '(' or ';', e.g. 'a;b'", p.found(p.pos))
		}
		p.pos++
	}
	return p.in[start:p.pos], nil
}

// parseQuoted parses a quoted value whose opening quote is at q. It only
// allocates when the value contains an escaped quote.
func (p *parser) parseQuoted(q int) (string, error) {
	p.pos = q + 1
	seg := p.pos
	var b strings.Builder
	escaped := false
	for {
		k := strings.IndexByte(p.in[p.pos:], '\'')
		if k < 0 {
			return "", p.errorf(q, "unterminated quoted value; close it with ' (write '' for a literal quote)")
		}
		k += p.pos
		if k+1 < len(p.in) && p.in[k+1] == '\'' {
			b.WriteString(p.in[seg : k+1])
			p.pos = k + 2
			seg = p.pos
			escaped = true
			continue
		}
		v := p.in[seg:k]
		if escaped {
			b.WriteString(v)
			v = b.String()
		}
		p.pos = k + 1
		p.skipSpaces()
		return v, nil
	}
}

// parsePath parses `segment *("/" segment)`. Unlike OO's identifier lexer,
// a segment is any run of characters other than "," "(" ")" ";" "/": keys
// of extensions and capabilities are free-form (e.g. "topology.kubernetes.io"
// or "cpu-model") and must be addressable without escapes. "~0", "~1" and
// "~b" decode to "~", "/" and "@"; any other "~" sequence is an error so
// that a future escape cannot silently change the meaning of old filters.
func (p *parser) parsePath() (Path, error) {
	pathStart := p.pos
	var path Path
	for {
		segStart := p.pos
		seg, err := p.parseSegment()
		if err != nil {
			return nil, err
		}
		if seg == "" && p.pos == segStart {
			if path == nil {
				return nil, p.errorf(p.pos, "missing attribute path, found %s", p.found(p.pos))
			}
			return nil, p.errorf(p.pos, "empty segment in attribute path %q", p.in[pathStart:p.pos])
		}
		path = append(path, seg)
		if p.eof() || p.in[p.pos] != '/' {
			return path, nil
		}
		p.pos++
	}
}

func (p *parser) parseSegment() (string, error) {
	start := p.pos
	var b strings.Builder
	escaped := false
	for !p.eof() {
		c := p.in[p.pos]
		switch c {
		case ',', '(', ')', ';', '/':
			if escaped {
				return b.String(), nil
			}
			return p.in[start:p.pos], nil
		case '~':
			if !escaped {
				b.WriteString(p.in[start:p.pos])
				escaped = true
			}
			if p.pos+1 >= len(p.in) {
				return "", p.errorf(p.pos, "incomplete escape \"~\" in attribute path; use ~0 for '~', ~1 for '/', ~b for '@'")
			}
			switch p.in[p.pos+1] {
			case '0':
				b.WriteByte('~')
			case '1':
				b.WriteByte('/')
			case 'b':
				b.WriteByte('@')
			default:
				return "", p.errorf(p.pos, "invalid escape %q in attribute path; use ~0 for '~', ~1 for '/', ~b for '@'", "~"+p.in[p.pos+1:p.pos+2])
			}
			p.pos += 2
			continue
		}
		if escaped {
			b.WriteByte(c)
		}
		p.pos++
	}
	if escaped {
		return b.String(), nil
	}
	return p.in[start:p.pos], nil
}
