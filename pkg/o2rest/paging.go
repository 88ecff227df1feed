package o2rest

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/netweave-io/netweave/pkg/o2rest/query"
)

// The SOL013 paging marker (query.ParamNextPageMarker) is opaque to clients: the markers this
// server issues encode the namespace/name of the last item served, and lists are ordered by
// namespace/name, so a page resumes exactly after it even when objects were added or removed
// in between.
//
// A plain decimal number is accepted too, as a 1-based page number: that is what o-ran-sc
// pti-o2 issues (o2common/views/pagination_view.py) and so what the O-RAN SC compliance suite
// and SMOs written against it send ("?nextpage_opaque_marker=2"). The two cannot be confused: an
// issued marker is the base64 of an ASCII key holding "/", and no such encoding is all digits.

// position is where a list page starts: after the item keyed after, or at the 1-based page
// number page. The zero position is the first page.
type position struct {
	after string
	page  uint64
}

func encodeMarker(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

func decodeMarker(q query.Values) (position, error) {
	v := q.Get(query.ParamNextPageMarker)
	if v == "" {
		return position{}, nil
	}
	if n, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if n == 0 {
			return position{}, errors.New("invalid " + query.ParamNextPageMarker + ": page numbers start at 1")
		}
		// A number past uint64 saturates (ParseUint returns the maximum with ErrRange): it is
		// past the last page whatever the inventory holds, like any number over the page count.
		return position{page: n}, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || !strings.Contains(string(raw), "/") {
		return position{}, errors.New("invalid " + query.ParamNextPageMarker + ": use the value of the Link header's next page, or a page number")
	}
	return position{after: string(raw)}, nil
}

// page gathers one list response, cut at maxItems items or maxBytes of JSON array. For a page
// number it first passes over the pages before, cut by the same rules, so page N is exactly the
// N-th page a client following the Link headers from the first one gets (when nothing changed
// in between): a page number neither bypasses the byte budget nor reaches past the caller's own
// filtered view, and only one page is ever held, however large the number.
type page struct {
	maxItems, maxBytes int
	skip               uint64 // pages still to pass over before the one served
	items              [][]byte
	size               int    // encoded size of items as a JSON array
	last               string // key of the last item in items
}

// newPage starts the page served from pos; candidates (how many objects may go on it) sizes its
// item list once instead of growing it item by item.
func newPage(maxItems, maxBytes int, pos position, candidates int) *page {
	p := &page{maxItems: maxItems, maxBytes: maxBytes, size: len("[]"), items: make([][]byte, 0, min(maxItems, candidates))}
	if pos.page > 0 {
		p.skip = pos.page - 1
	}
	return p
}

// add puts item, encoding the object keyed key, on the page. It returns false when the page
// served is complete: item belongs to the next one.
func (p *page) add(key string, item []byte) bool {
	if !p.fits(item) {
		if p.skip == 0 {
			return false
		}
		p.skip--
		p.items, p.size = p.items[:0], len("[]")
	}
	if len(p.items) > 0 {
		p.size += len(",")
	}
	p.items = append(p.items, item)
	p.size += len(item)
	p.last = key
	return true
}

// fits reports whether item can join the page. The first item goes in whatever its size, or a
// client could never get past it.
func (p *page) fits(item []byte) bool {
	if len(p.items) == 0 {
		return true
	}
	return len(p.items) < p.maxItems && p.size+len(",")+len(item) <= p.maxBytes
}

// served is the page's items: none when the list ended before the requested page number, which
// is answered as an empty page rather than an error, since a page that existed when its number
// was handed out may be gone after deletions.
func (p *page) served() [][]byte {
	if p.skip > 0 {
		return nil
	}
	return p.items
}

// nextPageLink is the RFC 8288 Link header value pointing at the next page. Its query is q
// re-encoded, not the request's raw query edited: the link then says exactly what this page
// was computed from, in a spelling every client and proxy reads the same way. It always
// carries an opaque marker, even after a page number: a marker resumes after the last item
// served, which stays right when objects come and go between requests.
//
// The link is the request's path under the apiRoot's own path (rootPath): with an apiRoot of
// https://gw/o2, the gateway in front strips /o2, and a link without it would resolve outside
// the apiRoot. It stays origin-relative, so that it holds for whatever host the SMO called.
func nextPageLink(r *http.Request, rootPath string, q query.Values, marker string) string {
	u := url.URL{Path: rootPath + r.URL.Path, RawQuery: q.WithNextPageMarker(encodeMarker(marker)).Encode()}
	return "<" + u.String() + `>; rel="next"`
}
