package query

import (
	"strconv"
	"strings"
)

// SyntaxError reports a malformed "filter", "fields" or "exclude_fields"
// value. Its message is written for the SMO: the HTTP layer puts it in the
// ProblemDetails "detail" of a 400.
type SyntaxError struct {
	// Param is the query parameter: "filter", "fields" or "exclude_fields".
	Param string
	// Index is the 1-based occurrence of a repeated parameter, 0 when the
	// parameter was given once.
	Index int
	// Pos is the 0-based byte offset in the parameter value where the
	// problem was found; the message shows it 1-based.
	Pos int
	// Msg describes the problem and quotes the offending token.
	Msg string
}

func (e *SyntaxError) Error() string {
	var b strings.Builder
	b.WriteString("invalid ")
	b.WriteString(e.Param)
	if e.Index > 0 {
		b.WriteString(" (occurrence ")
		b.WriteString(strconv.Itoa(e.Index))
		b.WriteByte(')')
	}
	b.WriteString(" at position ")
	b.WriteString(strconv.Itoa(e.Pos + 1))
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// AttributeError reports attribute paths that the model's Schema does not
// have, e.g. `unknown attribute "WrongAttrName" in filter`.
type AttributeError struct {
	// Param is the query parameter naming the attributes.
	Param string
	// Paths are the offending attribute paths in filter syntax.
	Paths []string
	// Detail optionally explains why a path is unknown (e.g. it descends
	// into a string attribute).
	Detail string
}

func (e *AttributeError) Error() string {
	var b strings.Builder
	b.WriteString("unknown attribute")
	if len(e.Paths) > 1 {
		b.WriteByte('s')
	}
	for i, p := range e.Paths {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(p))
	}
	b.WriteString(" in ")
	b.WriteString(e.Param)
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}
