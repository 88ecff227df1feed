package o2rest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// TestTenantExtensionsDoNotBreakTheOperatorsList: one tenant's pool and resource whose
// extensions hold every odd value admission lets through (as the API server stores them:
// decoded by v1alpha1.JSON) never fail, stall or invalidate the cluster-wide lists and
// filters the operator reads, nor hide the other tenant's objects.
func TestTenantExtensionsDoNotBreakTheOperatorsList(t *testing.T) {
	// Nested as deep as the 16 KiB bound allows.
	depth := validation.MaxExtensionsBytes/2 - 16
	odd := map[string]string{
		"deep":   strings.Repeat("[", depth) + strings.Repeat("]", depth),
		"huge":   "1e400",
		"tiny":   "-1e400",
		"negz":   "-0",
		"big":    "123456789012345678901234567890",
		"utf8":   "\"a\xffb\xc3\"",
		"dup":    `{"a":1,"a":"x"}`,
		"seps":   "\"\u2028\u2029\\u0000<&>\"",
		"nul":    `"\u0000"`,
		"emptyk": `{"":{"":[]}}`,
	}
	ext := extensionsOf(t, odd)
	objs := fixtures()
	elements := make([]o2v1.ResourceElement, 8)
	for i := range elements {
		elements[i] = o2v1.ResourceElement{Extensions: ext}
	}
	for _, o := range objs {
		switch x := o.(type) {
		case *o2v1.ResourcePool:
			if x.Namespace == "tenant-a" {
				x.Spec.Extensions = ext
			}
		case *o2v1.O2Resource:
			if x.Namespace == "tenant-a" {
				x.Spec.Extensions, x.Spec.Elements = ext, elements
			}
		}
	}
	e := newEnvOf(t, objs, func(*Config) {})
	for _, v := range []int{1, 2} {
		for _, kind := range []struct{ path, schema, id, other string }{
			{"/resourcePools", "ResourcePool", "resourcePoolId", poolB},
			{"/resourcePools/" + poolA + "/resources", "Resource", "resourceId", ""},
		} {
			for _, q := range []string{"", "?all_fields", "?fields=extensions/deep", "?exclude_fields=extensions/huge",
				"?filter=(gt,extensions/huge,1)", "?filter=(eq,extensions/negz,0)", "?filter=(neq,extensions/big,1)",
				"?filter=(cont,extensions/utf8,b)", "?filter=(eq,extensions/dup/a,x)", "?filter=(eq,extensions/deep,1)"} {
				path := inventory + "/v" + string(rune('0'+v)) + kind.path
				r := e.do("GET", "admin-token", path+q, "")
				e.expect(r, http.StatusOK, path+q)
				if !json.Valid(r.body) {
					t.Fatalf("%s%s: invalid JSON", path, q)
				}
				if q == "" || q == "?all_fields" {
					e.schema.ValidateList(t, v, kind.schema, r.body)
					if kind.other != "" && !strings.Contains(ids(decodeList(t, r.body), kind.id), kind.other) {
						t.Errorf("%s%s: the other tenant's %s is missing", path, q, kind.other)
					}
				}
			}
		}
		r := e.do("GET", "admin-token", inventory+"/v"+string(rune('0'+v))+"/resourcePools/"+poolA, "")
		e.expect(r, http.StatusOK, "the tenant's pool")
		e.schema.Validate(t, v, "ResourcePool", r.body)
	}
}

// extensionsOf is extensions holding each raw JSON value as the API server stores it (decoded
// by v1alpha1.JSON).
func extensionsOf(t *testing.T, raw map[string]string) o2v1.Extensions {
	t.Helper()
	ext := o2v1.Extensions{}
	for k, r := range raw {
		var j o2v1.JSON
		if err := j.UnmarshalJSON([]byte(r)); err != nil {
			t.Fatalf("%s: the API server would refuse %q: %v", k, r, err)
		}
		ext[k] = j
	}
	return ext
}
