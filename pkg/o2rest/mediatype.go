package o2rest

import (
	"mime"
	"net/http"
)

// checkMediaType refuses a write whose Content-Type is not want: 400 naming the header, the
// code every O2 write declares for a body it cannot take (none declares 415). A JSON body may
// come without a Content-Type; a patch must say which format it is, and its refusal names the
// format taken (Accept-Patch, RFC 5789).
func checkMediaType(r *http.Request, want string) *problem {
	ct := r.Header.Get("Content-Type")
	if ct == "" && want == "application/json" {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == want {
		return nil
	}
	p := newProblem(http.StatusBadRequest, "the body must be "+want+" (Content-Type)").attr("header", "Content-Type")
	if r.Method == http.MethodPatch {
		p.setHeader("Accept-Patch", want)
	}
	return p
}
