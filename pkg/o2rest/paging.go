package o2rest

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/netweave-io/netweave/pkg/o2rest/query"
)

// The SOL013 paging marker (query.ParamNextPageMarker) is opaque to clients: it encodes the
// namespace/name of the last item served, and lists are ordered by namespace/name, so a page
// resumes exactly after it even when objects were added or removed in between.

func encodeMarker(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

func decodeMarker(q query.Values) (string, error) {
	v := q.Get(query.ParamNextPageMarker)
	if v == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || !strings.Contains(string(raw), "/") {
		return "", errors.New("invalid " + query.ParamNextPageMarker + ": use the value of the Link header's next page")
	}
	return string(raw), nil
}

// nextPageLink is the RFC 8288 Link header value pointing at the next page. Its query is q
// re-encoded, not the request's raw query edited: the link then says exactly what this page
// was computed from, in a spelling every client and proxy reads the same way.
func nextPageLink(r *http.Request, q query.Values, marker string) string {
	u := url.URL{Path: r.URL.Path, RawQuery: q.WithNextPageMarker(encodeMarker(marker)).Encode()}
	return "<" + u.String() + `>; rel="next"`
}
