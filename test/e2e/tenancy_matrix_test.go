package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
)

// The tenancy matrix (issue 8): three tenants, the operator's inventory namespace, a
// cluster-wide SMO and a namespace admin. For every kind and both faces, every caller sees
// exactly what RBAC allows, and "not allowed" looks exactly like "does not exist".

const inventoryNS = localstack.APIServiceNamespace

var matrixNamespaces = []string{inventoryNS, "tenant-a", "tenant-b", "tenant-c"}

// matrixCaller is a user and the namespaces RBAC lets them read.
type matrixCaller struct {
	user string
	// reads are the namespaces the user may list and get in; all means cluster-wide.
	reads []string
	all   bool
	// subscribes is where the user may create subscriptions through O2 ("" for the default
	// apiRoot; none when empty and !defaultRoot).
	subscribeRoot string
	canSubscribe  bool
}

func (c matrixCaller) mayRead(ns string) bool { return c.all || slices.Contains(c.reads, ns) }

var matrixCallers = []matrixCaller{
	{user: localstack.Alice, reads: []string{"tenant-a"}, subscribeRoot: "/tenants/tenant-a", canSubscribe: true},
	{user: localstack.Bob, reads: []string{"tenant-b"}, subscribeRoot: "/tenants/tenant-b", canSubscribe: true},
	{user: localstack.Carol, reads: []string{"tenant-c"}, subscribeRoot: "/tenants/tenant-c"},
	{user: localstack.Dave, reads: []string{"tenant-c"}, subscribeRoot: "/tenants/tenant-c", canSubscribe: true},
	{user: localstack.SMO, all: true, subscribeRoot: "", canSubscribe: true},
}

// matrixKind is one inventory kind on both faces.
type matrixKind struct {
	resource   string // kubectl resource
	collection string // O2 v2 collection
	idAttr     string // O2 id attribute
	idPath     string // jsonpath of the id on the Kubernetes object
}

var matrixKinds = []matrixKind{
	{"locations", "locations", "globalLocationId", "{.spec.globalLocationId}"},
	{"ocloudsites", "oCloudSites", "oCloudSiteId", "{.spec.oCloudSiteId}"},
	{"resourcetypes", "resourceTypes", "resourceTypeId", "{.spec.resourceTypeId}"},
	{"resourcepools", "resourcePools", "resourcePoolId", "{.spec.resourcePoolId}"},
	{"resources", "resources", "resourceId", "{.spec.resourceId}"},
	{"deploymentmanagers", "deploymentManagers", "deploymentManagerId", "{.spec.deploymentManagerId}"},
}

// matrix is what the setup created: the O2 id of each kind in each namespace.
type matrix struct {
	s   *stack
	ids map[string]map[string]string // resource → namespace → O2 id
}

func TestTenancyMatrix(t *testing.T) {
	t.Parallel()
	// A page size of 2 makes every list of the matrix page, so markers are crossed too.
	s := startStack(t, append([]string{"--o2ims-page-size=2"}, notifierArgs...)...)
	m := setupMatrix(t, s)
	t.Run("kubectl face", func(t *testing.T) { m.kubectlFace(t) })
	t.Run("O2 face", func(t *testing.T) { m.o2Face(t) })
	t.Run("subscriptions and notifications", func(t *testing.T) { m.subscriptions(t) })
}

func setupMatrix(t *testing.T, s *stack) *matrix {
	t.Helper()
	for _, ns := range matrixNamespaces[1:] {
		s.kubectl(t, localstack.Admin, "create", "namespace", ns)
	}
	bind := func(ns, user, role string) {
		s.kubectl(t, localstack.Admin, "create", "rolebinding", user+"-"+role, "-n", ns, "--clusterrole="+role, "--user="+user)
	}
	bind("tenant-a", localstack.Alice, "o2ims-subscriber")
	bind("tenant-b", localstack.Bob, "o2ims-subscriber")
	bind("tenant-c", localstack.Carol, "o2ims-reader")
	bind("tenant-c", localstack.Dave, "o2ims-admin")
	s.kubectl(t, localstack.Admin, "create", "clusterrolebinding", "smo-subscriber", "--clusterrole=o2ims-subscriber", "--user="+localstack.SMO)

	m := &matrix{s: s, ids: map[string]map[string]string{}}
	for _, ns := range matrixNamespaces {
		// Ids are the server's to assign; references point into the same namespace.
		m.apply(t, ns, `apiVersion: o2ims.oran.org/v1alpha1
kind: Location
metadata: {name: loc}
spec: {globalLocationId: loc-`+ns+`, name: loc-`+ns+`}
---
apiVersion: o2ims.oran.org/v1alpha1
kind: ResourceType
metadata: {name: rt}
spec: {name: rt-`+ns+`, resourceKind: PHYSICAL, resourceClass: COMPUTE}
---
apiVersion: o2ims.oran.org/v1alpha1
kind: DeploymentManager
metadata: {name: dm}
spec: {name: dm-`+ns+`, serviceUri: "https://dm.`+ns+`.example.net"}
`)
		loc := m.id(t, "locations", ns, "loc")
		m.apply(t, ns, `apiVersion: o2ims.oran.org/v1alpha1
kind: OCloudSite
metadata: {name: site}
spec: {globalLocationId: `+loc+`, name: site-`+ns+`}
`)
		site := m.id(t, "ocloudsites", ns, "site")
		m.apply(t, ns, `apiVersion: o2ims.oran.org/v1alpha1
kind: ResourcePool
metadata: {name: pool}
spec: {name: pool-`+ns+`, oCloudSiteId: `+site+`, globalLocationId: `+loc+`}
`)
		pool, rt := m.id(t, "resourcepools", ns, "pool"), m.id(t, "resourcetypes", ns, "rt")
		m.apply(t, ns, `apiVersion: o2ims.oran.org/v1alpha1
kind: Resource
metadata: {name: res}
spec: {description: res-`+ns+`, resourcePoolId: `+pool+`, resourceTypeId: `+rt+`}
`)
		m.id(t, "resources", ns, "res")
		m.id(t, "deploymentmanagers", ns, "dm")
	}
	return m
}

func (m *matrix) apply(t *testing.T, ns, manifest string) {
	t.Helper()
	if out, stderr, err := m.s.kubectlStdin(t, localstack.Admin, manifest, "apply", "-n", ns, "-f", "-"); err != nil {
		t.Fatalf("apply in %s: %v\n%s%s", ns, err, out, stderr)
	}
}

func (m *matrix) id(t *testing.T, resource, ns, name string) string {
	t.Helper()
	k := matrixKindOf(resource)
	id := m.s.kubectl(t, localstack.Admin, "get", resource, name, "-n", ns, "-o", "jsonpath="+k.idPath)
	if id == "" {
		t.Fatalf("%s/%s in %s has no O2 id", resource, name, ns)
	}
	if m.ids[resource] == nil {
		m.ids[resource] = map[string]string{}
	}
	m.ids[resource][ns] = id
	return id
}

func matrixKindOf(resource string) matrixKind {
	for _, k := range matrixKinds {
		if k.resource == resource {
			return k
		}
	}
	panic("unknown kind " + resource)
}

// expected returns the sorted ids of kind that caller may read.
func (m *matrix) expected(c matrixCaller, resource string, only string) []string {
	var out []string
	for ns, id := range m.ids[resource] {
		if c.mayRead(ns) && (only == "" || only == ns) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func (m *matrix) kubectlFace(t *testing.T) {
	for _, c := range matrixCallers {
		for _, k := range matrixKinds {
			for _, ns := range matrixNamespaces {
				ctx := fmt.Sprintf("%s: kubectl get %s -n %s", c.user, k.resource, ns)
				out, stderr, err := localstack.Kubectl(t.Context(), m.s.cp.Kubeconfig(c.user), "get", k.resource, "-n", ns, "-o", "jsonpath="+strings.Replace(k.idPath, "{.", "{.items[*].", 1))
				if c.mayRead(ns) {
					if err != nil || out != m.ids[k.resource][ns] {
						t.Errorf("%s: %q %v %s, want %s", ctx, out, err, stderr, m.ids[k.resource][ns])
					}
					continue
				}
				if err == nil || !strings.Contains(stderr, "forbidden") {
					t.Errorf("%s: want forbidden, got %v %s", ctx, err, stderr)
				}
				// By name too: a tenant cannot tell whether it exists.
				if _, stderr, err := localstack.Kubectl(t.Context(), m.s.cp.Kubeconfig(c.user), "get", k.resource, "x-does-not-exist", "-n", ns); err == nil || !strings.Contains(stderr, "forbidden") {
					t.Errorf("%s by name: want forbidden, got %v %s", ctx, err, stderr)
				}
			}
			out, stderr, err := localstack.Kubectl(t.Context(), m.s.cp.Kubeconfig(c.user), "get", k.resource, "-A", "-o", "jsonpath="+strings.Replace(k.idPath, "{.", "{.items[*].", 1))
			if c.all {
				// Cluster-wide: every namespace's object, not merely no error.
				got := strings.Fields(out)
				sort.Strings(got)
				if want := m.expected(c, k.resource, ""); err != nil || !slices.Equal(got, want) {
					t.Errorf("%s: kubectl get %s -A: %v %v %s, want %v", c.user, k.resource, got, err, stderr, want)
				}
			} else if err == nil || !strings.Contains(stderr, "forbidden") {
				t.Errorf("%s: kubectl get %s -A: want forbidden, got %v %s", c.user, k.resource, err, stderr)
			}
		}
	}
}

// collect GETs a collection and follows its next links, returning the ids of idAttr, sorted.
func collect(t *testing.T, cl *o2Client, path, idAttr string) (int, []string) {
	t.Helper()
	code, pages := pagesOf(t, cl, path, idAttr)
	var ids []string
	for _, p := range pages {
		ids = append(ids, p...)
	}
	sort.Strings(ids)
	return code, ids
}

// pagesOf GETs a collection and follows its next links, returning the ids of idAttr page by
// page, or the status of the first answer that is not 200.
func pagesOf(t *testing.T, cl *o2Client, path, idAttr string) (int, [][]string) {
	t.Helper()
	var pages [][]string
	for path != "" {
		if len(pages) > 50 {
			t.Fatalf("GET %s: more than 50 pages", path)
		}
		code, ids, next := getPage(t, cl, path, idAttr)
		if code != http.StatusOK {
			return code, nil
		}
		pages = append(pages, ids)
		path = next
	}
	return http.StatusOK, pages
}

// getPage GETs one page of a collection: its status, the ids of idAttr in order, and the path
// of the next page ("" on the last one).
func getPage(t *testing.T, cl *o2Client, path, idAttr string) (int, []string, string) {
	t.Helper()
	code, hdr, body := cl.do(http.MethodGet, path, "")
	if code != http.StatusOK {
		if hdr.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d with Content-Type %q", path, code, hdr.Get("Content-Type"))
		}
		return code, nil, ""
	}
	var items []map[string]any
	if err := json.Unmarshal(body, &items); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, body)
	}
	var ids []string
	for _, it := range items {
		id, _ := it[idAttr].(string)
		ids = append(ids, id)
	}
	return code, ids, nextLink(hdr.Get("Link"))
}

var linkRE = regexp.MustCompile(`<([^>]+)>;\s*rel="next"`)

func nextLink(h string) string {
	if m := linkRE.FindStringSubmatch(h); m != nil {
		return m[1]
	}
	return ""
}

func (m *matrix) o2Face(t *testing.T) {
	const v2 = inventoryAPI + "/v2/"
	for _, c := range matrixCallers {
		cl := m.s.o2As(t, c.user)
		t.Run(c.user, func(t *testing.T) {
			for _, k := range matrixKinds {
				path := v2 + k.collection
				if k.resource == "resources" {
					// Resources are reached through their pools; check every pool's.
					const ghostPool = "00000000-0000-4000-8000-000000000000"
					for ns, pool := range m.ids["resourcepools"] {
						code, ids := collect(t, cl, v2+"resourcePools/"+pool+"/resources", "resourceId")
						if want := m.expected(c, "resources", ns); c.mayRead(ns) != (code == 200) || !slices.Equal(ids, want) {
							t.Errorf("resources of the pool in %s: %d %v, want %v", ns, code, ids, want)
						}
						// One resource by id, under its pool: 200 with that resource, or exactly
						// the 404 of a pool nobody holds (not any other non-200).
						res := m.ids["resources"][ns]
						for _, sub := range []string{"/resources", "/resources/" + res} {
							code, hdr, body := cl.do(http.MethodGet, v2+"resourcePools/"+pool+sub, "")
							if c.mayRead(ns) {
								if sub == "/resources" {
									continue
								}
								var doc map[string]any
								if code != 200 || json.Unmarshal(body, &doc) != nil || doc["resourceId"] != res {
									t.Errorf("GET pool %s%s (%s): %d %s", pool, sub, ns, code, body)
								}
								continue
							}
							gcode, ghdr, gbody := cl.do(http.MethodGet, v2+"resourcePools/"+ghostPool+sub, "")
							if code != http.StatusNotFound || gcode != code || hdr.Get("Content-Type") != ghdr.Get("Content-Type") ||
								!bytes.Equal(bytes.ReplaceAll(body, []byte(pool), []byte(ghostPool)), gbody) {
								t.Errorf("GET pool %s%s (%s): %d %s; a pool nobody holds gives %d %s", pool, sub, ns, code, body, gcode, gbody)
							}
						}
					}
					continue
				}
				// Default apiRoot: exactly what RBAC allows, across pages.
				if code, ids := collect(t, cl, path, k.idAttr); code != 200 || !slices.Equal(ids, m.expected(c, k.resource, "")) {
					t.Errorf("GET %s: %d %v, want %v", path, code, ids, m.expected(c, k.resource, ""))
				}
				// Page numbers, as pti-o2 and the compliance suite send them, are the pages the
				// links give, counted in the caller's own view; the one after the last is empty.
				_, byLink := pagesOf(t, cl, path, k.idAttr)
				// The page size is 2 and the SMO sees one object per namespace: its view must
				// actually page, or the markers below are never crossed.
				if c.all && len(byLink) < 2 {
					t.Errorf("GET %s as %s: %d page(s) %v; the matrix expects at least 2 with --o2ims-page-size=2", path, c.user, len(byLink), byLink)
				}
				for i, p := range byLink {
					if len(p) > 2 {
						t.Errorf("GET %s page %d: %d items, more than the page size 2", path, i+1, len(p))
					}
				}
				for i, want := range append(byLink, nil) {
					byNumber := fmt.Sprintf("%s?nextpage_opaque_marker=%d", path, i+1)
					if code, ids, _ := getPage(t, cl, byNumber, k.idAttr); code != 200 || !slices.Equal(ids, want) {
						t.Errorf("GET %s: %d %v, want %v", byNumber, code, ids, want)
					}
				}
				// Attribute selectors do not widen anything.
				if code, ids := collect(t, cl, path+"?fields="+k.idAttr, k.idAttr); code != 200 || !slices.Equal(ids, m.expected(c, k.resource, "")) {
					t.Errorf("GET %s?fields: %d %v", path, code, ids)
				}
				// Tenant apiRoots: that namespace or 403.
				for _, ns := range matrixNamespaces {
					code, ids := collect(t, cl, "/tenants/"+ns+v2[:len(v2)-1]+"/"+k.collection, k.idAttr)
					if c.mayRead(ns) {
						if code != 200 || !slices.Equal(ids, m.expected(c, k.resource, ns)) {
							t.Errorf("tenant %s %s: %d %v", ns, k.collection, code, ids)
						}
					} else if code != http.StatusForbidden {
						t.Errorf("tenant %s %s: %d, want 403", ns, k.collection, code)
					}
				}
				// By id: 200 or a 404 that is byte for byte the 404 of an id nobody holds.
				for ns, id := range m.ids[k.resource] {
					code, hdr, body := cl.do(http.MethodGet, path+"/"+id, "")
					if c.mayRead(ns) {
						// 200 with that object, not merely some 200.
						var doc map[string]any
						if code != 200 || json.Unmarshal(body, &doc) != nil || doc[k.idAttr] != id {
							t.Errorf("GET %s/%s (%s): %d %s", path, id, ns, code, body)
						}
						continue
					}
					ghost := "00000000-0000-4000-8000-000000000000"
					if k.resource == "locations" {
						ghost = "loc-nowhere"
					}
					gcode, ghdr, gbody := cl.do(http.MethodGet, path+"/"+ghost, "")
					if code != http.StatusNotFound || gcode != code || hdr.Get("Content-Type") != ghdr.Get("Content-Type") ||
						!bytes.Equal(bytes.ReplaceAll(body, []byte(id), []byte(ghost)), gbody) {
						t.Errorf("GET %s/%s (%s): %d %s; an absent id gives %d %s", path, id, ns, code, body, gcode, gbody)
					}
				}
			}
			// Filters on reference fields find nothing in namespaces the caller cannot read.
			for ns, pool := range m.ids["resourcepools"] {
				for _, q := range []string{"?filter=(eq,resourcePoolId," + pool + ")", "?filter=(in,resourcePoolId," + pool + ",x)", "?filter=(cont,resourcePoolId," + pool[:8] + ")"} {
					code, ids := collect(t, cl, v2+"resourcePools"+q, "resourcePoolId")
					want := []string(nil)
					if c.mayRead(ns) {
						want = []string{pool}
					}
					if code != 200 || !slices.Equal(ids, want) {
						t.Errorf("pools %s (pool of %s): %d %v, want %v", q, ns, code, ids, want)
					}
				}
				// A pool's resources, by the resource's reference.
				code, ids := collect(t, cl, v2+"resourcePools/"+pool+"/resources?filter=(eq,resourcePoolId,"+pool+")", "resourceId")
				if c.mayRead(ns) != (code == 200) || !slices.Equal(ids, m.expected(c, "resources", ns)) {
					t.Errorf("resources of %s filtered by pool: %d %v", ns, code, ids)
				}
			}
			for ns, site := range m.ids["ocloudsites"] {
				code, ids := collect(t, cl, v2+"resourcePools?filter=(eq,oCloudSiteId,"+site+")", "resourcePoolId")
				if code != 200 || !slices.Equal(ids, m.expected(c, "resourcepools", onlyIf(c.mayRead(ns), ns))) {
					t.Errorf("pools of the site in %s: %d %v", ns, code, ids)
				}
			}
		})
	}
}

// onlyIf returns ns when ok, else a namespace nobody holds.
func onlyIf(ok bool, ns string) string {
	if ok {
		return ns
	}
	return "nowhere"
}

func (m *matrix) subscriptions(t *testing.T) {
	const subs = inventoryAPI + "/v2/subscriptions"
	receivers := map[string]*receiver{}
	subIDs := map[string]string{} // user → subscription id
	for _, c := range matrixCallers {
		r := newReceiver(t)
		cl := m.s.o2As(t, c.user)
		code, _, body := cl.do(http.MethodPost, c.subscribeRoot+subs, `{"callback":"`+r.srv.URL+`/`+c.user+`","filter":"(in,objectType,`+strings.Join(probedKinds.objectTypes(), ",")+`)"}`)
		if !c.canSubscribe {
			if code != http.StatusForbidden {
				t.Errorf("%s subscribes: %d %s, want 403", c.user, code, body)
			}
			continue
		}
		if code != http.StatusCreated {
			t.Fatalf("%s subscribes: %d %s", c.user, code, body)
		}
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		subIDs[c.user], receivers[c.user] = doc["subscriptionId"].(string), r
	}
	owner := map[string]string{}
	for u, id := range subIDs {
		owner[id] = u
	}
	// Who sees which subscription: their own; RBAC in a tenant namespace shows that
	// namespace's to its members; the shared namespace shows only one's own.
	for _, c := range matrixCallers {
		cl := m.s.o2As(t, c.user)
		code, ids := collect(t, cl, subs, "subscriptionId")
		if code != http.StatusOK {
			t.Errorf("%s lists subscriptions: %d", c.user, code)
		}
		// Exactly: their own, and those made on the apiRoot of a tenant they may read (the
		// shared namespace's are only the SMO's own). Missing ones fail as much as extra ones.
		var wantSubs []string
		for o, id := range subIDs {
			sameTenant := slices.ContainsFunc(matrixCallers, func(x matrixCaller) bool {
				return x.user == o && x.subscribeRoot != "" && c.mayRead(strings.TrimPrefix(x.subscribeRoot, "/tenants/"))
			})
			if o == c.user || sameTenant {
				wantSubs = append(wantSubs, id)
			}
		}
		sort.Strings(wantSubs)
		if !slices.Equal(ids, wantSubs) {
			named := func(ids []string) (out []string) {
				for _, id := range ids {
					out = append(out, owner[id]+":"+id)
				}
				return out
			}
			t.Errorf("%s lists subscriptions %v, want %v", c.user, named(ids), named(wantSubs))
		}
		const ghostSub = "00000000-0000-4000-8000-000000000000"
		for o, id := range subIDs {
			if o == c.user {
				continue
			}
			code, hdr, body := cl.do(http.MethodGet, subs+"/"+id, "")
			visible := slices.Contains(wantSubs, id)
			if visible {
				if code != 200 {
					t.Errorf("%s GETs %s's subscription: %d %s, want 200", c.user, o, code, body)
				}
				continue
			}
			// Hidden looks exactly like absent: status, Content-Type and body, for GET and DELETE.
			for _, method := range []string{http.MethodGet, http.MethodDelete} {
				if method == http.MethodDelete {
					code, hdr, body = cl.do(method, subs+"/"+id, "")
				}
				gcode, ghdr, gbody := cl.do(method, subs+"/"+ghostSub, "")
				if code != http.StatusNotFound || gcode != code || hdr.Get("Content-Type") != ghdr.Get("Content-Type") ||
					!bytes.Equal(bytes.ReplaceAll(body, []byte(id), []byte(ghostSub)), gbody) {
					t.Errorf("%s %s %s's subscription: %d %s; an absent one gives %d %s", c.user, method, o, code, body, gcode, gbody)
				}
			}
		}
	}

	// Notifications, for every namespaced inventory kind: a probe change of its object in every
	// namespace, then a fence in every namespace. The notifier decides the changes of one kind
	// in order, so once a receiver has a kind's fences it has every probe of that kind it will
	// ever get.
	patch := func(k probedKind, ns, desc string) {
		m.s.kubectl(t, localstack.Admin, "patch", k.resource, k.name, "-n", ns, "--type=merge", "-p", `{"spec":{"description":"`+desc+`"}}`)
	}
	for _, k := range probedKinds {
		for _, ns := range matrixNamespaces {
			patch(k, ns, "probe-"+k.resource+"-"+ns)
		}
		for _, ns := range matrixNamespaces {
			patch(k, ns, "fence-"+k.resource+"-"+ns)
		}
	}
	for _, c := range matrixCallers {
		r, ok := receivers[c.user]
		if !ok {
			continue
		}
		var want, fences []string
		for _, k := range probedKinds {
			for _, ns := range matrixNamespaces {
				if c.mayRead(ns) {
					want = append(want, "probe-"+k.resource+"-"+ns)
					fences = append(fences, "fence-"+k.resource+"-"+ns)
				}
			}
		}
		if len(fences) == 0 {
			t.Fatalf("%s subscribes but may read no namespace: the matrix checks nothing of its notifications", c.user)
		}
		eventually(t, 60*time.Second, c.user+" receives its fences", func() error {
			got := descriptions(r)
			for _, f := range fences {
				if !slices.Contains(got, f) {
					return errorf("no %s yet (got %v)", f, got)
				}
			}
			return nil
		})
		var probes []string
		for _, d := range descriptions(r) {
			if strings.HasPrefix(d, "probe-") {
				probes = append(probes, d)
			}
		}
		sort.Strings(probes)
		sort.Strings(want)
		if !slices.Equal(slices.Compact(probes), want) {
			t.Errorf("%s received probes %v, want %v", c.user, probes, want)
		}
	}

	// The allowed side of DELETE: each subscriber removes its own (the refused side is above).
	for _, c := range matrixCallers {
		id, ok := subIDs[c.user]
		if !ok {
			continue
		}
		cl := m.s.o2As(t, c.user)
		if code, _, body := cl.do(http.MethodDelete, subs+"/"+id, ""); code != http.StatusOK {
			t.Errorf("%s DELETEs their own subscription: %d %s, want 200", c.user, code, body)
		}
		if code, _, body := cl.do(http.MethodGet, subs+"/"+id, ""); code != http.StatusNotFound {
			t.Errorf("%s GETs their deleted subscription: %d %s, want 404", c.user, code, body)
		}
	}
}

func descriptions(r *receiver) []string {
	var out []string
	for _, n := range r.all() {
		if d := description(n.body); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// probedKind is a namespaced inventory kind whose changes the matrix's subscribers are
// probed with: its resource, the name of its object in each matrix namespace and its O2
// objectType.
type probedKind struct{ resource, name, objectType string }

type probedKindList []probedKind

// probedKinds are the namespaced inventory kinds with a spec.description, as the matrix
// creates them in every namespace (setupMatrix).
var probedKinds = probedKindList{
	{"resourcepools", "pool", "ResourcePool"},
	{"resources", "res", "Resource"},
	{"resourcetypes", "rt", "ResourceType"},
	{"deploymentmanagers", "dm", "DeploymentManager"},
	{"locations", "loc", "LocationInfo"},
	{"ocloudsites", "site", "OCloudSiteInfo"},
}

func (l probedKindList) objectTypes() []string {
	out := make([]string, len(l))
	for i, k := range l {
		out[i] = k.objectType
	}
	return out
}
