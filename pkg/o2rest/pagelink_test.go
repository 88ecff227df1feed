package o2rest

import (
	"net/url"
	"strings"
	"testing"
)

// TestRegressionNextPageLinkStaysUnderAPIRoot: with an apiRoot that has a path prefix
// (--o2ims-api-root=https://gw/o2, a gateway that strips /o2 in front of netweave) every URI
// the server handed out was under the apiRoot except the Link of a cut list page, the bare
// request path: resolved against the URI the SMO called it dropped the prefix, and paging
// stopped at the gateway's 404.
func TestRegressionNextPageLinkStaysUnderAPIRoot(t *testing.T) {
	const prefixed = "https://gw.example.net/o2"
	e := newEnvWith(t, func(c *Config) { c.APIRoot = prefixed; c.PageSize = 1 })
	r := e.do("GET", "admin-token", inventory+"/v1/resourcePools", "")
	e.expect(r, 200, "first page")
	link := r.header.Get("Link")
	if link == "" {
		t.Fatal("no Link on a cut page")
	}
	target := strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
	called, _ := url.Parse(prefixed + inventory + "/v1/resourcePools")
	ref, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	if next := called.ResolveReference(ref).String(); !strings.HasPrefix(next, prefixed+"/") {
		t.Errorf("next page link %q resolves to %s, outside the apiRoot %s", link, next, prefixed)
	}
	// Beside it, a URI the server hands out that does honour the apiRoot.
	r = e.do("POST", "admin-token", inventory+"/v1/subscriptions", `{"callback":"https://smo.example.net/p"}`)
	e.expect(r, 201, "create")
	if loc := r.header.Get("Location"); !strings.HasPrefix(loc, prefixed+"/") {
		t.Errorf("Location %q", loc)
	}
}
