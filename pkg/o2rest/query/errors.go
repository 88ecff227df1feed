package query

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// SyntaxError reports a malformed "filter", "fields" or "exclude_fields"
// value. Its message is written for the SMO: the HTTP layer puts it in the
// ProblemDetails "detail" of a 400.
type SyntaxError struct {
	// Param is the query parameter: "filter", "fields" or "exclude_fields".
	Param string
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

// ParamError reports a query string that ParseRawQuery will not read: a malformed escape,
// invalid UTF-8, an unknown or repeated parameter, a value of the wrong shape or over a bound.
type ParamError struct {
	// Param is the query parameter at fault, decoded when it could be; "" when the problem is
	// the query string as a whole (its length) or a value without a name.
	Param string
	// Msg describes the problem.
	Msg string
}

func (e *ParamError) Error() string {
	if e.Param == "" {
		return "invalid query: " + e.Msg
	}
	name := e.Param
	if !slices.Contains(params, name) {
		name = strconv.Quote(name) // unknown names may hold anything, invalid UTF-8 included
	}
	return "invalid query parameter " + name + ": " + e.Msg
}

// ParamOf returns the query parameter an error of this package is about, "" when it names none.
func ParamOf(err error) string {
	var pe *ParamError
	var se *SyntaxError
	var ae *AttributeError
	switch {
	case errors.As(err, &pe):
		return pe.Param
	case errors.As(err, &se):
		return se.Param
	case errors.As(err, &ae):
		return ae.Param
	}
	return ""
}
