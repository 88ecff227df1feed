package o2ims

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// The SOL013 paging parameter. The marker is opaque to clients: it encodes the namespace/name
// of the last item served, and lists are ordered by namespace/name, so a page resumes exactly
// after it even when objects were added or removed in between.
const paramNextPage = "nextpage_opaque_marker"

func encodeMarker(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

func decodeMarker(q url.Values) (string, error) {
	v := q.Get(paramNextPage)
	if v == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || !strings.Contains(string(raw), "/") {
		return "", errors.New("invalid " + paramNextPage + ": use the value of the Link header's next page")
	}
	return string(raw), nil
}

// setNextLink adds the RFC 8288 Link header pointing at the next page.
func setNextLink(w http.ResponseWriter, r *http.Request, marker string) {
	q := r.URL.Query()
	q.Set(paramNextPage, encodeMarker(marker))
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	w.Header().Set("Link", "<"+u.String()+`>; rel="next"`)
}
