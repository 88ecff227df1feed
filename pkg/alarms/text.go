package alarms

import "unicode/utf8"

// Cut keeps s within limit bytes, dropping a rune cut in half rather than storing invalid
// UTF-8. The texts and names sources report come from others (a Node condition's message, an
// alert's annotations): the API refuses a record whose text is over its bound, so one too long
// would keep its alarm from ever being raised.
func Cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	for limit > 0 && !utf8.RuneStart(s[limit]) {
		limit--
	}
	return s[:limit]
}
