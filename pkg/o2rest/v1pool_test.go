package o2rest

import (
	"net/http"
	"testing"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestV1ResourcePoolAllFieldsCarriesLocation: the compliance suite's all_fields schema for a v1
// pool requires location, so all_fields always carries it ("" when the pool has none), while the
// default set, exclude_default, fields and exclude_fields treat it as the optional attribute the
// v1 schema makes it.
func TestV1ResourcePoolAllFieldsCarriesLocation(t *testing.T) {
	objs := fixtures()
	for _, o := range objs {
		if p, ok := o.(*o2v1.ResourcePool); ok && p.Spec.ResourcePoolID == poolB {
			p.Spec.Location = "EU"
		}
	}
	e := newEnvOf(t, objs, func(*Config) {})
	const pools = inventory + "/v1/resourcePools"
	list := func(q string) []map[string]any {
		t.Helper()
		r := e.do("GET", "admin-token", pools+q, "")
		e.expect(r, http.StatusOK, "list "+q)
		e.schema.ValidateList(t, 1, "ResourcePool", r.body)
		return decodeList(t, r.body)
	}
	locations := func(q string) map[string]any {
		t.Helper()
		out := map[string]any{}
		for _, d := range list(q) {
			if loc, ok := d["location"]; ok {
				out[d["resourcePoolId"].(string)] = loc
			}
		}
		return out
	}

	// The attributes the suite's resourcePool_allfields_properties.json requires.
	for _, d := range list("?all_fields") {
		for _, attr := range []string{"description", "extensions", "globalLocationId", "location", "name", "oCloudId", "resourcePoolId"} {
			if _, ok := d[attr]; !ok {
				t.Errorf("all_fields pool %v lacks %s", d["resourcePoolId"], attr)
			}
		}
	}
	for q, want := range map[string]map[string]any{
		"?all_fields":              {poolA: "", poolB: "EU"},
		"?fields=location":         {poolA: "", poolB: "EU"},
		"":                         {},
		"?exclude_default":         {},
		"?exclude_fields=location": {},
	} {
		if got := locations(q); len(got) != len(want) || got[poolA] != want[poolA] || got[poolB] != want[poolB] {
			t.Errorf("%q: locations %v, want %v", q, got, want)
		}
	}

	r := e.do("GET", "admin-token", pools+"/"+poolA+"?all_fields", "")
	e.expect(r, http.StatusOK, "one pool with all_fields")
	e.schema.Validate(t, 1, "ResourcePool", r.body)
	if loc, ok := decodeObject(t, r.body)["location"]; !ok || loc != "" {
		t.Errorf("one pool with all_fields: location %v (present %v), want \"\"", loc, ok)
	}
}
