package query

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// parseNumber converts a filter value to a JSON number. NaN and the
// infinities are rejected because no JSON document can hold them.
func parseNumber(v string) (float64, bool) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseInt converts a filter value written as a plain decimal integer
// (optional sign, digits only). It exists so that integer attributes
// compare exactly instead of through float64, and it checks the syntax by
// hand first because strconv allocates an error on failure — and "1.5"
// against an integer attribute is not a failure, just a float.
func parseInt(v string) (int64, bool) {
	s := v
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || len(s) > 19 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	if len(s) == 19 { // may overflow: let strconv decide
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	var n int64
	for i := 0; i < len(s); i++ {
		n = n*10 + int64(s[i]-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseBool accepts only the JSON literals, in any case: strconv.ParseBool
// would also take "1", "t" or "F", which no SMO means as a boolean.
func parseBool(v string) (bool, bool) {
	switch {
	case strings.EqualFold(v, "true"):
		return true, true
	case strings.EqualFold(v, "false"):
		return false, true
	}
	return false, false
}

// instants reads an attribute value and a filter value that are both RFC 3339 date-times
// (alarmRaisedTime and the like). They must compare as instants, not as strings: the server
// renders them in UTC without fractional seconds, while an SMO may write an offset
// ("+02:00") or milliseconds, and byte order then disagrees with time order.
func instants(x, v string) (time.Time, time.Time, bool) {
	if !looksLikeDateTime(x) || !looksLikeDateTime(v) {
		return time.Time{}, time.Time{}, false
	}
	a, err := time.Parse(time.RFC3339, x)
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	b, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	return a, b, true
}

// looksLikeDateTime is a cheap test ahead of time.Parse, which allocates an error on failure:
// Match runs on every object of a list and must not allocate for ordinary strings.
func looksLikeDateTime(s string) bool {
	return len(s) >= len("2006-01-02T15:04:05Z") && s[4] == '-' && s[7] == '-' &&
		(s[10] == 'T' || s[10] == 't') && s[13] == ':' && s[16] == ':'
}
