package o2rest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
)

// Queries are sent as written here, not re-encoded by the test: what matters is what curl and
// SMOs put on the wire (";" unencoded, stray "%", raw bytes).

// expectQueryProblem checks a 400 ProblemDetails that names param in its detail and in its
// "parameter" attribute.
func (e *env) expectQueryProblem(r response, param, what string) {
	e.t.Helper()
	e.expect(r, http.StatusBadRequest, what)
	var p struct {
		Detail     string            `json:"detail"`
		Attributes map[string]string `json:"additionalAttributes"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
	if p.Attributes["parameter"] != param || !strings.Contains(p.Detail, param) {
		e.t.Errorf("%s: problem %s does not name parameter %q", what, r.body, param)
	}
}

func TestRegressionUnencodedSemicolonIsConjunction(t *testing.T) {
	e := newEnv(t, 0)
	types := inventory + "/v1/resourceTypes"
	for _, c := range []struct {
		query string
		want  int
	}{
		{"filter=(eq,name,none);(eq,name,none)", 0},
		{"filter=(eq,name,none)%3B(eq,name,none)", 0},
		{"filter=(eq,name,medium);(eq,vendor,nobody)", 0},
		{"filter=(eq,name,medium);(eq,vendor,ACME)", 1},
		{"filter=(eq,name,medium)%3B(eq,vendor,ACME)", 1},
		{"filter=(eq,name,medium);", 1}, // the conformance suite's trailing ";"
	} {
		r := e.do("GET", "admin-token", types+"?"+c.query, "")
		e.expect(r, http.StatusOK, c.query)
		if got := decodeList(t, r.body); len(got) != c.want {
			t.Errorf("%s: %d items, want %d", c.query, len(got), c.want)
		}
	}
	// A ";" outside a filter term is no parameter separator either.
	e.expectQueryProblem(e.do("GET", "admin-token", types+"?all_fields;filter=(eq,name,none)", ""), "all_fields;filter", "; as a separator")
	e.expectQueryProblem(e.do("GET", "admin-token", types+"?fields=name;description", ""), "fields", "; in fields")
}

func TestRegressionMalformedEscapeIs400(t *testing.T) {
	e := newEnv(t, 0)
	for _, q := range []string{"filter=(eq,name,%zz)", "filter=(eq,name,%)", "filter=(eq,name,%4)"} {
		e.expectQueryProblem(e.do("GET", "admin-token", inventory+"/v1/resourceTypes?"+q, ""), "filter", q)
	}
	e.expectQueryProblem(e.do("GET", "admin-token", inventory+"/v1/resourceTypes/"+typeID+"?fields=na%zzme", ""), "fields", "escape in fields of an object")
	e.expectQueryProblem(e.do("GET", "admin-token", inventory+"/v1?all_fields=%G0", ""), "all_fields", "escape on the O-Cloud")
}

func TestRegressionInvalidUTF8Is400(t *testing.T) {
	e := newEnv(t, 0)
	for _, q := range []string{"filter=(eq,name,%ff)", "filter=(eq,name,%C3%28)", "filter=(eq,name,\xff)"} {
		e.expectQueryProblem(e.do("GET", "admin-token", inventory+"/v1/resourceTypes?"+q, ""), "filter", q)
	}
	e.expectQueryProblem(e.do("GET", "admin-token", inventory+"/v1/resourcePools/"+poolA+"?exclude_fields=%ed%a0%80", ""), "exclude_fields", "surrogate in exclude_fields")
}

// TestRegressionQueryShapes: every other way a query can be unreadable is a 400 naming the
// parameter, never an answer that ignores it.
func TestRegressionQueryShapes(t *testing.T) {
	e := newEnv(t, 0)
	types := inventory + "/v2/resourceTypes"
	for _, c := range []struct{ path, param string }{
		{types + "?filter=(eq,name,a)&filter=(eq,name,b)", "filter"},
		{types + "?fields=name&fields=description", "fields"},
		{types + "?all_fields&all_fields", "all_fields"},
		{types + "?all_fields=yes", "all_fields"},
		{types + "?exclude_default=maybe", "exclude_default"},
		{types + "?limit=1", "limit"},
		{types + "?nextpage_opaque_marker=", "nextpage_opaque_marker"},
		{types + "?nextpage_opaque_marker=!!!", "nextpage_opaque_marker"},
		{types + "?filter=", "filter"},
		{types + "?filter=(eq,WrongAttrName,x)", "filter"},
		{types + "?filter=(gt,extensions,1)", "filter"},
		{types + "?fields=(resourceTypeId,WrongAttrName)", "fields"},
		{types + "?all_fields&fields=name", "all_fields"},
		{types + "?exclude_fields=name&fields=name", "exclude_fields"},
		// A single object takes attribute selectors only.
		{types + "/" + typeID + "?filter=(eq,name,medium)", "filter"},
		{types + "/" + typeID + "?nextpage_opaque_marker=eA", "nextpage_opaque_marker"},
		{inventory + "/v2?filter=(eq,name,edge)", "filter"},
		{inventory + "/api_versions?fields=uriPrefix", "fields"},
		{inventory + "/v2/api_versions?x=1", "x"},
	} {
		e.expectQueryProblem(e.do("GET", "admin-token", c.path, ""), c.param, c.path)
	}
}

func TestQueryBoundsAre400(t *testing.T) {
	e := newEnv(t, 0)
	types := inventory + "/v1/resourceTypes?"
	repeat := func(n int, s, sep string) string { return strings.Repeat(s+sep, n-1) + s }
	for _, c := range []struct{ query, param, limit string }{
		{"filter=" + repeat(query.MaxFilterTerms+1, "(eq,name,x)", ";"), "filter", "limit of 64"},
		{"filter=(in,name," + repeat(query.MaxTermValues+1, "x", ",") + ")", "filter", "limit of 128"},
		{"filter=(eq,extensions/" + repeat(query.MaxPathDepth, "a", "/") + ",x)", "filter", "limit of 8"},
		{"filter=(eq,name,'" + strings.Repeat("x", query.MaxFilterLength) + "')", "filter", "limit of 8192"},
		{"fields=" + repeat(query.MaxSelectorPaths+1, "name", ","), "fields", "limit of 64"},
		{"exclude_fields=extensions/" + repeat(query.MaxPathDepth, "a", "/"), "exclude_fields", "limit of 8"},
	} {
		r := e.do("GET", "admin-token", types+c.query, "")
		e.expectQueryProblem(r, c.param, c.param+" over "+c.limit)
		if !strings.Contains(string(r.body), c.limit) {
			t.Errorf("%s: the problem does not state the limit: %s", c.param, r.body)
		}
	}
	r := e.do("GET", "admin-token", types+"filter=(eq,name,'"+strings.Repeat("x", query.MaxQueryLength)+"')", "")
	e.expect(r, http.StatusBadRequest, "query over MaxQueryLength")
	if !strings.Contains(string(r.body), "the query string is") {
		t.Errorf("query over MaxQueryLength: %s", r.body)
	}
	// At the bounds: accepted.
	r = e.do("GET", "admin-token", types+"filter="+repeat(query.MaxFilterTerms, "(neq,name,x)", ";"), "")
	e.expect(r, http.StatusOK, "filter at the bounds")
}

// TestPagingKeepsQuery: the next-page link is rebuilt from the parsed query, so a filter sent
// with a bare ";" keeps meaning the same on every page.
func TestPagingKeepsQuery(t *testing.T) {
	e := newEnv(t, 1)
	path := inventory + "/v2/resourcePools/" + poolA + "/resources?filter=(eq,resourcePoolId," + poolA + ");(cont,description,rack)&fields=tags"
	var seen []string
	for page := 0; path != ""; page++ {
		if page > 5 {
			t.Fatal("paging does not end")
		}
		r := e.do("GET", "admin-token", path, "")
		e.expect(r, http.StatusOK, "page")
		docs := decodeList(t, r.body)
		seen = append(seen, ids(docs, "resourceId"))
		for _, d := range docs {
			if _, ok := d["tags"]; !ok {
				t.Errorf("page %d lost fields=tags: %v", page, d)
			}
		}
		path = nextLink(t, r)
		if path != "" && !strings.Contains(path, "%3B") {
			t.Errorf("link %q does not encode the filter's ;", path)
		}
	}
	if got := strings.Join(seen, ";"); got != res1+";"+res2 {
		t.Errorf("pages: %s", got)
	}
}

// TestPageByteBudget: a page ends before the item that would take it over PageBytes, and the
// rest comes through the marker; an item over the budget on its own still goes out.
func TestPageByteBudget(t *testing.T) {
	const list = inventory + "/v1/resourcePools/" + poolA + "/resources?all_fields"
	var whole []json.RawMessage
	r := newEnv(t, 0).do("GET", "admin-token", list, "")
	if err := json.Unmarshal(r.body, &whole); err != nil || len(whole) != 2 || len(r.body) != len("[,]")+len(whole[0])+len(whole[1]) {
		t.Fatalf("the whole list: %v %s", err, r.body)
	}
	for _, budget := range []int{1, len(r.body) - 1, len(r.body)} {
		e := newEnvWith(t, func(c *Config) { c.PageBytes = budget })
		path := list
		var pages []string
		for page := 0; path != ""; page++ {
			if page > 5 {
				t.Fatal("paging does not end")
			}
			r := e.do("GET", "admin-token", path, "")
			e.expect(r, http.StatusOK, "page")
			if len(decodeList(t, r.body)) > 1 && len(r.body) > budget {
				t.Errorf("budget %d: a page of %d bytes with several items", budget, len(r.body))
			}
			pages = append(pages, ids(decodeList(t, r.body), "resourceId"))
			path = nextLink(t, r)
		}
		want := res1 + ";" + res2
		if budget == len(r.body) {
			want = res1 + "," + res2
		}
		if got := strings.Join(pages, ";"); got != want {
			t.Errorf("budget %d: pages %s, want %s", budget, got, want)
		}
	}
}

// TestListHonoursCancellation: a list whose request is no longer wanted stops instead of
// walking the cache and encoding a page nobody reads.
func TestListHonoursCancellation(t *testing.T) {
	e := newEnv(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", inventory+"/v1/resourcePools", nil)
	req.Header.Set("Authorization", "Bearer admin-token")
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, req)
	if w.Code == http.StatusOK || strings.Contains(w.Body.String(), poolA) {
		t.Errorf("cancelled list answered %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("cancelled list: Content-Type %q", ct)
	}
}

func nextLink(t testing.TB, r response) string {
	t.Helper()
	link := r.header.Get("Link")
	if link == "" {
		return ""
	}
	if !strings.HasPrefix(link, "<") || !strings.HasSuffix(link, `>; rel="next"`) {
		t.Fatalf("Link %q", link)
	}
	path := strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
	if _, err := url.Parse(path); err != nil {
		t.Fatalf("Link %q: %v", link, err)
	}
	return path
}

// TestRegressionNeighbourDataCannotFailAFilteredList: tenant-b stored a number under an
// extension key where tenant-a's pool holds a string ("country": 1 against "CA"). A filter
// on that key over the default apiRoot was a 400 ("attribute is a number but "CA" is not")
// for every caller who could see tenant-b's pool, so one tenant's data broke everyone else's
// filtered lists, while alice, who cannot see it, got 200. A term an object's value cannot
// answer is not satisfied by that object: the list answers 200 with the objects that do
// match, the same for every caller, as the notifier already decided.
func TestRegressionNeighbourDataCannotFailAFilteredList(t *testing.T) {
	odd := &o2v1.ResourcePool{ObjectMeta: objMeta("tenant-b", "odd"), Spec: o2v1.ResourcePoolSpec{
		ResourcePoolID: "b2000000-0000-4000-8000-00000000000b", Name: "odd",
		Extensions: o2v1.Extensions{"country": {Raw: []byte(`1`)}, "cpu": {Raw: []byte(`"x"`)}}}}
	e := newEnvOf(t, append(fixtures(), odd), func(*Config) {})
	pools := inventory + "/v1/resourcePools?filter="
	for _, c := range []struct {
		filter string
		admin  []string // pools the admin sees; alice sees those of tenant-a
	}{
		{"(eq,extensions/country,CA)", []string{poolA}},
		{"(cont,extensions/country,C)", []string{poolA}},
		{"(gt,extensions/country,B)", []string{poolA}},
		{"(in,extensions/country,CA,FR)", []string{poolA}},
		{"(eq,extensions/cpu,x)", []string{odd.Spec.ResourcePoolID}}, // tenant-a's cpu is an object
		// A term the value cannot answer is unsatisfied negated or not; a pool without the key
		// (tenant-b's "core") satisfies neq, as a missing attribute always has.
		{"(neq,extensions/country,CA)", []string{poolB}},
	} {
		for _, who := range []string{"admin", "alice"} {
			r := e.do("GET", who+"-token", pools+c.filter, "")
			e.expect(r, http.StatusOK, who+" "+c.filter)
			var got, want []string
			for _, d := range decodeList(t, r.body) {
				got = append(got, d["resourcePoolId"].(string))
			}
			for _, id := range c.admin {
				if who == "admin" || id == poolA {
					want = append(want, id)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s %s: pools %v, want %v", who, c.filter, got, want)
			}
		}
	}
}
