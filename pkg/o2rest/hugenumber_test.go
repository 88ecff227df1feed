package o2rest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/notify"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// TestRegressionNumberBeyondFloat64MadeTheListUndecodable: a tenant set an extension of its
// pool to 1e400 (valid JSON, which the API server stores as written). The operator's
// cluster-wide list of pools then carried "extensions":{"x":1e400}, and a Go SMO decoding it
// (encoding/json into any) failed on the whole list, every other tenant's pools with it; so
// did every notification of the pool. Such numbers are now given as their text.
func TestRegressionNumberBeyondFloat64MadeTheListUndecodable(t *testing.T) {
	ext := extensionsOf(t, map[string]string{"huge": "1e400", "neg": "-1E+400", "digits": strings.Repeat("9", 400),
		"nested": `{"a":[1,2e999,{"b":-3e500}]}`, "exact": "18446744073709551615", "small": "1e-400", "plain": "1.5e3"})
	objs := fixtures()
	var tenantPool *o2v1.ResourcePool
	for _, o := range objs {
		if p, ok := o.(*o2v1.ResourcePool); ok && p.Spec.ResourcePoolID == poolA {
			p.Spec.Extensions, tenantPool = ext, p
		}
	}
	e := newEnvOf(t, objs, func(*Config) {})
	for _, v := range []string{"1", "2"} {
		for _, q := range []string{"", "?all_fields", "?fields=extensions", "?filter=(neq,name,x)"} {
			r := e.do("GET", "admin-token", inventory+"/v"+v+"/resourcePools"+q, "")
			e.expect(r, http.StatusOK, "list "+q)
			var docs []map[string]any
			if err := json.Unmarshal(r.body, &docs); err != nil {
				t.Fatalf("v%s list %q does not decode: %v", v, q, err)
			}
			if len(docs) != 2 {
				t.Errorf("v%s list %q: %d pools, want 2", v, q, len(docs))
			}
		}
		r := e.do("GET", "admin-token", inventory+"/v"+v+"/resourcePools/"+poolA+"?all_fields", "")
		e.expect(r, http.StatusOK, "the tenant's pool")
		var doc map[string]any
		if err := json.Unmarshal(r.body, &doc); err != nil {
			t.Fatalf("v%s pool does not decode: %v", v, err)
		}
		got := doc["extensions"].(map[string]any)
		for k, want := range map[string]any{"huge": "1e400", "neg": "-1E+400", "exact": 18446744073709551615.0, "small": 0.0, "plain": 1500.0} {
			if got[k] != want {
				t.Errorf("v%s extensions/%s = %#v, want %#v", v, k, got[k], want)
			}
		}
	}
	for _, version := range []int{model.Version1, model.Version2} {
		doc, err := notify.Document(tenantPool, version, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := json.Unmarshal(body, &back); err != nil {
			t.Errorf("v%d notification state does not decode: %v", version, err)
		}
	}
}
