package o2rest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

func init() {
	// Readers whose grants differ by resource (TestRegressionRelatedIdsNeedTheirOwnAccess).
	for _, name := range []string{"locations-reader", "sites-reader", "tenant-locations-reader"} {
		tokens[name+"-token"] = &user.DefaultInfo{Name: name, Groups: []string{user.AllAuthenticated}}
	}
}

func TestAPIVersions(t *testing.T) {
	e := newEnv(t, 0)
	r := e.do("GET", "admin-token", inventory+"/api_versions", "")
	e.expect(r, 200, "api_versions")
	e.schema.Validate(t, 0, "APIVersions", r.body)
	if doc := decodeObject(t, r.body); doc["uriPrefix"] != apiRoot+inventory || !strings.Contains(string(r.body), `"2.0.0"`) {
		t.Errorf("api_versions: %s", r.body)
	}
	r = e.do("GET", "admin-token", inventory+"/v1/api_versions", "")
	e.expect(r, 200, "v1/api_versions")
	if doc := decodeObject(t, r.body); doc["uriPrefix"] != apiRoot+inventory+"/v1" {
		t.Errorf("v1/api_versions: %s", r.body)
	}
	r = e.do("GET", "admin-token", "/tenants/tenant-a"+inventory+"/v2/api_versions", "")
	e.expect(r, 200, "tenant v2/api_versions")
	if doc := decodeObject(t, r.body); doc["uriPrefix"] != apiRoot+"/tenants/tenant-a"+inventory+"/v2" {
		t.Errorf("tenant api_versions: %s", r.body)
	}
	e.expect(e.do("GET", "admin-token", inventory+"/v3/api_versions", ""), 404, "v3/api_versions")
}

func TestOCloudInfo(t *testing.T) {
	e := newEnv(t, 0)
	for _, path := range []string{inventory + "/v1", inventory + "/v1/"} {
		r := e.do("GET", "admin-token", path, "")
		e.expect(r, 200, path)
		e.schema.Validate(t, 1, "OCloudInfo", r.body)
		doc := decodeObject(t, r.body)
		if doc["globalcloudId"] != globalID || doc["serviceUri"] != apiRoot || doc["oCloudId"] != ocloudID {
			t.Errorf("%s: %s", path, r.body)
		}
	}
	r := e.do("GET", "admin-token", inventory+"/v2?all_fields", "")
	e.expect(r, 200, "v2 root")
	e.schema.Validate(t, 2, "OCloudInfo", r.body)
	if doc := decodeObject(t, r.body); doc["globalCloudId"] != globalID {
		t.Errorf("v2 root: %s", r.body)
	}
	// A tenant sees the O-Cloud through its apiRoot, whose serviceUri names that apiRoot.
	r = e.do("GET", "alice-token", "/tenants/tenant-a"+inventory+"/v2", "")
	e.expect(r, 200, "tenant root")
	if doc := decodeObject(t, r.body); doc["serviceUri"] != apiRoot+"/tenants/tenant-a" {
		t.Errorf("tenant serviceUri: %s", r.body)
	}
	e.expect(e.do("GET", "alice-token", inventory+"/v2", ""), 403, "alice at the default root")
	e.expect(e.do("GET", "admin-token", inventory+"/v9", ""), 404, "unknown major version")
	e.expect(e.do("POST", "admin-token", inventory+"/v1", "{}"), 405, "POST on the root")
}

func TestCollectionsAndObjects(t *testing.T) {
	e := newEnv(t, 0)
	for _, c := range []struct {
		version    int
		path, kind string
		idAttr, id string
		count      int
	}{
		{1, "resourceTypes", "ResourceType", "resourceTypeId", typeID, 1},
		{2, "resourceTypes", "ResourceType", "resourceTypeId", typeID, 1},
		{1, "resourcePools", "ResourcePool", "resourcePoolId", poolA, 2},
		{2, "resourcePools", "ResourcePool", "resourcePoolId", poolA, 2},
		{1, "deploymentManagers", "DeploymentManager", "deploymentManagerId", dmID, 1},
		{2, "deploymentManagers", "DeploymentManager", "deploymentManagerId", dmID, 1},
		{2, "locations", "LocationInfo", "globalLocationId", "CA-TOR", 1},
		{2, "oCloudSites", "OCloudSiteInfo", "oCloudSiteId", siteID, 1},
	} {
		base := inventory + "/v" + string(rune('0'+c.version)) + "/" + c.path
		r := e.do("GET", "admin-token", base, "")
		e.expect(r, 200, base)
		e.schema.ValidateList(t, c.version, c.kind, r.body)
		if got := decodeList(t, r.body); len(got) != c.count {
			t.Errorf("%s: %d items, want %d", base, len(got), c.count)
		}
		r = e.do("GET", "admin-token", base+"/"+c.id, "")
		e.expect(r, 200, base+"/{id}")
		e.schema.Validate(t, c.version, c.kind, r.body)
		if doc := decodeObject(t, r.body); doc[c.idAttr] != c.id {
			t.Errorf("%s/%s: %s", base, c.id, r.body)
		}
		// Ids are UUIDs and compare case-insensitively.
		if c.id != "CA-TOR" {
			e.expect(e.do("GET", "admin-token", base+"/"+strings.ToUpper(c.id), ""), 200, base+" upper-case id")
		}
		e.expect(e.do("GET", "admin-token", base+"/00000000-0000-4000-8000-000000000000", ""), 404, base+" unknown id")
		e.expect(e.do("POST", "admin-token", base, "{}"), 405, "POST "+base)
	}
	// Derived relations: the location lists its site, the site its pool.
	loc := decodeObject(t, e.do("GET", "admin-token", inventory+"/v2/locations/CA-TOR", "").body)
	if ids, _ := loc["oCloudSiteIds"].([]any); len(ids) != 1 || ids[0] != siteID {
		t.Errorf("location oCloudSiteIds: %v", loc)
	}
	site := decodeObject(t, e.do("GET", "admin-token", inventory+"/v2/oCloudSites/"+siteID, "").body)
	if pools, _ := site["resourcePools"].([]any); len(pools) != 1 || pools[0] != poolA {
		t.Errorf("site resourcePools: %v", site)
	}
	e.expect(e.do("GET", "admin-token", inventory+"/v1/locations", ""), 404, "locations in v1")
	e.expect(e.do("GET", "admin-token", inventory+"/v1/nonsense", ""), 404, "unknown path")
	r := e.do("DELETE", "admin-token", inventory+"/v1/resourcePools/"+poolA, "")
	e.expect(r, 405, "DELETE pool")
	if r.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("Allow = %q", r.header.Get("Allow"))
	}
}

// TestRegressionMethodNotAllowedListsHEAD: a 405's Allow header named GET but not HEAD,
// which every GET route serves too (RFC 9110 §10.2.1: Allow lists the methods the resource
// supports), so a client probing with OPTIONS-less discovery took HEAD for refused.
func TestRegressionMethodNotAllowedListsHEAD(t *testing.T) {
	e := newEnv(t, 0)
	for _, c := range []struct{ method, path, allow string }{
		{"DELETE", inventory + "/v1", "GET, HEAD"},
		{"PUT", inventory + "/v1/subscriptions", "GET, HEAD, POST"},
	} {
		r := e.do(c.method, "admin-token", c.path, "{}")
		e.expect(r, 405, c.method+" "+c.path)
		if got := r.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
		e.expect(e.do("HEAD", "admin-token", c.path, ""), 200, "HEAD "+c.path+", which Allow lists")
	}
}

func TestPoolResources(t *testing.T) {
	e := newEnv(t, 0)
	base := inventory + "/v1/resourcePools/" + poolA + "/resources"
	r := e.do("GET", "admin-token", base, "")
	e.expect(r, 200, "pool resources")
	e.schema.ValidateList(t, 1, "Resource", r.body)
	if got := ids(decodeList(t, r.body), "resourceId"); got != res1+","+res2 {
		t.Errorf("pool resources: %s", got)
	}
	r = e.do("GET", "admin-token", base+"/"+res1+"?all_fields", "")
	e.expect(r, 200, "pool resource")
	e.schema.Validate(t, 1, "Resource", r.body)
	if doc := decodeObject(t, r.body); doc["extensions"].(map[string]any)["country"] != "CA" {
		t.Errorf("resource extensions: %s", r.body)
	}
	e.expect(e.do("GET", "admin-token", base+"/"+resB, ""), 404, "resource of another pool")
	e.expect(e.do("GET", "admin-token", inventory+"/v1/resourcePools/00000000-0000-4000-8000-000000000000/resources", ""), 404, "unknown pool")
	e.expect(e.do("POST", "admin-token", base, "{}"), 405, "POST resources")
}

func TestFilterAndFields(t *testing.T) {
	e := newEnv(t, 0)
	get := func(path string, q url.Values) response { return e.do("GET", "admin-token", path+"?"+q.Encode(), "") }
	pools := inventory + "/v1/resourcePools/" + poolA + "/resources"

	r := get(pools, url.Values{"filter": {"(eq,resourceTypeId," + strings.ToUpper(typeID) + ");(cont,description,rack 4)"}})
	e.expect(r, 200, "combined filter")
	if got := ids(decodeList(t, r.body), "resourceId"); got != res2 {
		t.Errorf("combined filter: %s", got)
	}
	r = get(pools, url.Values{"filter": {"(eq,extensions/country,CA)"}})
	if got := ids(decodeList(t, r.body), "resourceId"); got != res1 {
		t.Errorf("nested filter: %s", got)
	}
	r = get(pools, url.Values{"filter": {"(in,tags,cu,xx)"}})
	if got := ids(decodeList(t, r.body), "resourceId"); got != res2 {
		t.Errorf("array filter: %s", got)
	}
	r = get(inventory+"/v1/resourcePools", url.Values{"filter": {"(eq,resourcePoolId," + poolB + ")"}})
	if got := ids(decodeList(t, r.body), "resourcePoolId"); got != poolB {
		t.Errorf("id filter (pushed down): %s", got)
	}
	r = get(inventory+"/v1/resourcePools", url.Values{"filter": {"(neq,name,ran)"}})
	if got := ids(decodeList(t, r.body), "resourcePoolId"); got != poolB {
		t.Errorf("neq filter: %s", got)
	}

	for _, bad := range []url.Values{
		{"filter": {"(eq,WrongAttrName,anyvalue)"}},
		{"filter": {"(eq,name"}},
		{"filter": {"(bogus,name,x)"}},
		{"fields": {"(resourceTypeId,WrongAttrName)"}},
		{"all_fields": {""}, "fields": {"name"}},
		{"nextpage_opaque_marker": {"!!!"}},
	} {
		r := get(inventory+"/v1/resourceTypes", bad)
		e.expect(r, 400, "bad query "+bad.Encode())
	}
	r = get(inventory+"/v1/resourceTypes", url.Values{"filter": {"(eq,WrongAttrName,anyvalue)"}})
	if !strings.Contains(string(r.body), "WrongAttrName") {
		t.Errorf("400 should name the unknown attribute: %s", r.body)
	}

	r = get(inventory+"/v1/resourceTypes", url.Values{"exclude_default": {"true"}})
	e.expect(r, 200, "exclude_default")
	e.schema.ValidateList(t, 1, "ResourceType", r.body)
	r = get(inventory+"/v1/resourceTypes", url.Values{"fields": {"name,description"}})
	e.expect(r, 200, "fields")
	if doc := decodeList(t, r.body)[0]; doc["name"] != "medium" {
		t.Errorf("fields: %s", r.body)
	}
	// extensions is optional in v2 pools: excluded on request, present otherwise.
	r = get(inventory+"/v2/resourcePools/"+poolA, url.Values{"exclude_fields": {"extensions"}})
	if _, ok := decodeObject(t, r.body)["extensions"]; ok {
		t.Errorf("exclude_fields=extensions kept them: %s", r.body)
	}
	r = get(inventory+"/v2/resourcePools/"+poolA, url.Values{"all_fields": {""}})
	if _, ok := decodeObject(t, r.body)["extensions"]; !ok {
		t.Errorf("all_fields lacks extensions: %s", r.body)
	}
	// Required attributes stay even when named in exclude_fields, so responses validate.
	r = get(inventory+"/v1/resourceTypes", url.Values{"exclude_fields": {"extensions"}})
	e.schema.ValidateList(t, 1, "ResourceType", r.body)
}

func TestPaging(t *testing.T) {
	e := newEnv(t, 1)
	path := inventory + "/v2/resourcePools/" + poolA + "/resources"
	var seen []string
	for page := 0; path != ""; page++ {
		if page > 5 {
			t.Fatal("paging does not end")
		}
		r := e.do("GET", "admin-token", path, "")
		e.expect(r, 200, "page")
		seen = append(seen, ids(decodeList(t, r.body), "resourceId"))
		path = ""
		if link := r.header.Get("Link"); link != "" {
			if !strings.HasSuffix(link, `>; rel="next"`) {
				t.Fatalf("Link %q", link)
			}
			path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	if got := strings.Join(seen, ";"); got != res1+";"+res2 {
		t.Errorf("pages: %s", got)
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, 0)
	for _, token := range []string{"", "wrong-token"} {
		r := e.do("GET", token, inventory+"/v1/resourcePools", "")
		e.expect(r, 401, "token "+token)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	}
}

// TestTenantIsolation: alice reads tenant-a only; tenant-b objects are invisible (404, never
// 403, so their existence cannot be inferred).
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t, 0)
	r := e.do("GET", "alice-token", inventory+"/v1/resourcePools", "")
	e.expect(r, 200, "alice lists pools at the default root")
	if got := ids(decodeList(t, r.body), "resourcePoolId"); got != poolA {
		t.Errorf("alice at the default root sees %s", got)
	}
	r = e.do("GET", "alice-token", "/tenants/tenant-a"+inventory+"/v1/resourcePools", "")
	if got := ids(decodeList(t, r.body), "resourcePoolId"); got != poolA {
		t.Errorf("alice at tenant-a sees %s", got)
	}
	e.expect(e.do("GET", "alice-token", inventory+"/v1/resourcePools/"+poolB, ""), 404, "alice gets a tenant-b pool")
	e.expect(e.do("GET", "alice-token", "/tenants/tenant-a"+inventory+"/v1/resourcePools/"+poolB, ""), 404, "tenant-b pool via tenant-a root")
	e.expect(e.do("GET", "alice-token", "/tenants/tenant-b"+inventory+"/v1/resourcePools", ""), 403, "alice at tenant-b root")
	e.expect(e.do("GET", "alice-token", inventory+"/v1/resourcePools/"+poolB+"/resources/"+resB, ""), 404, "alice gets a tenant-b resource")
	r = e.do("GET", "admin-token", "/tenants/tenant-b"+inventory+"/v1/resourcePools", "")
	if got := ids(decodeList(t, r.body), "resourcePoolId"); got != poolB {
		t.Errorf("admin at tenant-b sees %s", got)
	}
	_ = http.StatusOK
}

// The ids a document lists of other objects (a location's oCloudSiteIds, a site's
// resourcePools) are those the caller may list, as the objects themselves (regression: they
// were filtered by the caller's access to the document's own kind, so a caller who may read
// locations everywhere but sites in tenant-a only saw the ids of every tenant's sites in a
// location, and likewise the ids of pools of a site).
func TestRegressionRelatedIdsNeedTheirOwnAccess(t *testing.T) {
	const siteB, poolB2 = "1b000000-0000-4000-8000-00000000000b", "0b000000-0000-4000-8000-00000000000b"
	objs := append(fixtures(),
		&o2v1.OCloudSite{ObjectMeta: objMeta("tenant-b", "tor-b"), Spec: o2v1.OCloudSiteSpec{OCloudSiteID: siteB, GlobalLocationID: "CA-TOR", Name: "Toronto B"}},
		&o2v1.ResourcePool{ObjectMeta: objMeta("tenant-b", "edge-b"), Spec: o2v1.ResourcePoolSpec{ResourcePoolID: poolB2, Name: "edge-b", OCloudSiteID: siteID}},
	)
	// locations-reader lists locations everywhere, sites and pools in tenant-a only;
	// sites-reader sites everywhere, pools in tenant-a only; tenant-locations-reader locations
	// in tenant-a and nothing else.
	grants := map[string]func(resource, namespace string) bool{
		"locations-reader": func(res, ns string) bool {
			return res == "locations" || ns == "tenant-a" && (res == "ocloudsites" || res == "resourcepools")
		},
		"sites-reader":            func(res, ns string) bool { return res == "ocloudsites" || ns == "tenant-a" && res == "resourcepools" },
		"tenant-locations-reader": func(res, ns string) bool { return ns == "tenant-a" && res == "locations" },
	}
	e := newEnvOf(t, objs, func(c *Config) {
		c.Authorizer = authorizer.AuthorizerFunc(func(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
			if g := grants[a.GetUser().GetName()]; g != nil && a.GetSubresource() == "" && (a.GetVerb() == "get" || a.GetVerb() == "list") && g(a.GetResource(), a.GetNamespace()) {
				return authorizer.DecisionAllow, "", nil
			}
			return authz(ctx, a)
		})
	})
	for _, c := range []struct {
		token, path, attr string
		want              []string
	}{
		{"locations-reader-token", inventory + "/v2/locations/CA-TOR", "oCloudSiteIds", []string{siteID}},
		{"locations-reader-token", inventory + "/v2/locations?filter=(eq,globalLocationId,CA-TOR)", "oCloudSiteIds", []string{siteID}},
		{"sites-reader-token", inventory + "/v2/oCloudSites/" + siteID, "resourcePools", []string{poolA}},
		{"tenant-locations-reader-token", "/tenants/tenant-a" + inventory + "/v2/locations/CA-TOR", "oCloudSiteIds", nil},
		{"admin-token", inventory + "/v2/locations/CA-TOR", "oCloudSiteIds", []string{siteID, siteB}},
		{"admin-token", inventory + "/v2/oCloudSites/" + siteID, "resourcePools", []string{poolA, poolB2}},
	} {
		r := e.do("GET", c.token, c.path, "")
		e.expect(r, 200, c.token+" "+c.path)
		var doc map[string]any
		if strings.Contains(c.path, "?") {
			doc = decodeList(t, r.body)[0]
		} else {
			doc = decodeObject(t, r.body)
		}
		if got, want := fmt.Sprint(doc[c.attr]), fmt.Sprint(c.want); got != want && !(c.want == nil && got == "[]") {
			t.Errorf("%s %s: %s %s, want %s", c.token, c.path, c.attr, got, want)
		}
	}
}
