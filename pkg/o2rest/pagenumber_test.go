package o2rest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// pagedPools is an inventory for paging by number: seven pools in tenant-a whose names alternate
// between kept and dropped by the filter (keep-0, drop-1, keep-2, keep-3, drop-4, keep-5,
// keep-6), and three in a namespace that sorts before it and that alice may not read.
func pagedPools() []runtime.Object {
	var objs []runtime.Object
	add := func(ns, name string) {
		objs = append(objs, &o2v1.ResourcePool{ObjectMeta: objMeta(ns, name),
			Spec: o2v1.ResourcePoolSpec{ResourcePoolID: fmt.Sprintf("d0000000-0000-4000-8000-%012d", len(objs)), Name: name}})
	}
	for i := range 3 {
		add("a-hidden", fmt.Sprintf("keep-hidden-%d", i))
	}
	for _, name := range []string{"keep-0", "drop-1", "keep-2", "keep-3", "drop-4", "keep-5", "keep-6"} {
		add("tenant-a", name)
	}
	return objs
}

// pagesByLink follows the Link headers from path and returns the names on each page.
func (e *env) pagesByLink(token, path string) []string {
	e.t.Helper()
	var pages []string
	for path != "" {
		if len(pages) > 20 {
			e.t.Fatal("paging does not end")
		}
		r := e.do("GET", token, path, "")
		e.expect(r, http.StatusOK, "page "+path)
		pages = append(pages, ids(decodeList(e.t, r.body), "name"))
		path = nextLink(e.t, r)
	}
	return pages
}

// TestPageNumberMarkerMatchesLinkPages: nextpage_opaque_marker=N (1-based, as pti-o2 and the
// compliance suite count) serves the N-th page a client following the Link headers gets, cut by
// the page size and by the byte budget alike, counted in the caller's own filtered view; its
// Link goes on to page N+1; a page past the end is empty and has no Link.
func TestPageNumberMarkerMatchesLinkPages(t *testing.T) {
	// The default apiRoot: alice's view there is tenant-a among the namespaces she cannot read.
	const list = inventory + "/v1/resourcePools?filter=(cont,name,keep)"
	for _, c := range []struct {
		name      string
		configure func(*Config)
		want      string
	}{
		{"by count", func(c *Config) { c.PageSize = 2 }, "keep-0,keep-2;keep-3,keep-5;keep-6"},
		{"by bytes", func(c *Config) { c.PageBytes = 1 }, "keep-0;keep-2;keep-3;keep-5;keep-6"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnvOf(t, pagedPools(), c.configure)
			pages := e.pagesByLink("alice-token", list)
			if got := strings.Join(pages, ";"); got != c.want {
				t.Fatalf("pages by link: %s, want %s", got, c.want)
			}
			for i, want := range pages {
				r := e.do("GET", "alice-token", fmt.Sprintf("%s&nextpage_opaque_marker=%d", list, i+1), "")
				e.expect(r, http.StatusOK, fmt.Sprintf("page %d", i+1))
				if got := ids(decodeList(t, r.body), "name"); got != want {
					t.Errorf("page %d by number: %s, want %s", i+1, got, want)
				}
				next := nextLink(t, r)
				if i+1 == len(pages) {
					if next != "" {
						t.Errorf("last page by number links on to %s", next)
					}
					continue
				}
				if got := strings.Join(e.pagesByLink("alice-token", next), ";"); got != strings.Join(pages[i+1:], ";") {
					t.Errorf("link after page %d by number: %s, want %s", i+1, got, strings.Join(pages[i+1:], ";"))
				}
			}
			r := e.do("GET", "alice-token", fmt.Sprintf("%s&nextpage_opaque_marker=%d", list, len(pages)+1), "")
			e.expect(r, http.StatusOK, "the page past the end")
			if string(r.body) != "[]" || r.header.Get("Link") != "" {
				t.Errorf("the page past the end: %s, Link %q", r.body, r.header.Get("Link"))
			}
		})
	}
}

// TestPageNumberMarkerOnPoolResources is the compliance suite's request (7.3.5 s3): a pool's
// resources at nextpage_opaque_marker=2.
func TestPageNumberMarkerOnPoolResources(t *testing.T) {
	e := newEnv(t, 1)
	r := e.do("GET", "admin-token", inventory+"/v1/resourcePools/"+poolA+"/resources?nextpage_opaque_marker=2", "")
	e.expect(r, http.StatusOK, "page 2")
	e.schema.ValidateList(t, 1, "Resource", r.body)
	if got := ids(decodeList(t, r.body), "resourceId"); got != res2 {
		t.Errorf("page 2: %s, want %s", got, res2)
	}
}

// TestPageNumberMarkerHugeIsEmptyPage: numbers at and past the range of uint64 are pages past
// the end like any other, answered without overflowing or walking more than the inventory.
func TestPageNumberMarkerHugeIsEmptyPage(t *testing.T) {
	e := newEnv(t, 1)
	for _, n := range []string{"18446744073709551615", "18446744073709551616", strings.Repeat("9", 1000)} {
		r := e.do("GET", "admin-token", inventory+"/v1/resourcePools?nextpage_opaque_marker="+n, "")
		e.expect(r, http.StatusOK, "page "+n[:min(len(n), 24)])
		if string(r.body) != "[]" || r.header.Get("Link") != "" {
			t.Errorf("page %.24s: %s, Link %q", n, r.body, r.header.Get("Link"))
		}
	}
}

// TestPageNumberMarkerGarbageIs400: what is neither a page number nor a marker this server
// issued is a 400 naming the parameter, page 0 included (pages count from 1).
func TestPageNumberMarkerGarbageIs400(t *testing.T) {
	e := newEnv(t, 1)
	for _, marker := range []string{"0", "00", "-1", "+2", "1.5", "2x", "%202", "0x2", "1e3"} {
		r := e.do("GET", "admin-token", inventory+"/v1/resourcePools?nextpage_opaque_marker="+marker, "")
		e.expectQueryProblem(r, "nextpage_opaque_marker", "marker "+marker)
	}
}
