package options

import (
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/apimachinery/pkg/util/managedfields/managedfieldstest"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	openapibuilder3 "k8s.io/kube-openapi/pkg/builder3"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/yaml"

	o2dmsv1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	o2imsv1alpha1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/openapi"
	"github.com/netweave-io/netweave/pkg/apiserver"
)

// serverTypeConverter builds the TypeConverter server-side apply uses, the way the generic API
// server does (getOpenAPIModels): from the OpenAPI v3 definitions Config publishes.
func serverTypeConverter(t *testing.T, models ...string) managedfields.TypeConverter {
	t.Helper()
	scheme, _ := apiserver.NewScheme()
	cfg := genericapiserver.DefaultOpenAPIV3Config(openapi.GetOpenAPIDefinitions, openapinamer.NewDefinitionNamer(scheme))
	defs, err := openapibuilder3.BuildOpenAPIDefinitionsForResources(cfg, models...)
	if err != nil {
		t.Fatalf("build OpenAPI definitions: %v", err)
	}
	tc, err := managedfields.NewTypeConverter(defs, false)
	if err != nil {
		t.Fatalf("type converter: %v", err)
	}
	return tc
}

func mustUnstructured(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(y), &u.Object); err != nil {
		t.Fatalf("parse %q: %v", y, err)
	}
	return u
}

// conditionTypes lists the types of the live object's status conditions.
func conditionTypes(t *testing.T, obj map[string]interface{}) []string {
	t.Helper()
	conds, _, err := unstructured.NestedSlice(obj, "status", "conditions")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range conds {
		out = append(out, c.(map[string]interface{})["type"].(string))
	}
	return out
}

// TestServerSideApplyConditionsMergeByType: two controllers applying status conditions of
// different types each keep theirs, and applying the other's type conflicts, as on built-in
// kinds (conditions are a map keyed by type).
func TestServerSideApplyConditionsMergeByType(t *testing.T) {
	cases := []struct {
		model, apiVersion, kind string
	}{
		{o2imsv1alpha1.ProvisioningRequest{}.OpenAPIModelName(), "o2ims.oran.org/v1alpha1", "ProvisioningRequest"},
		{o2imsv1alpha1.ResourcePool{}.OpenAPIModelName(), "o2ims.oran.org/v1alpha1", "ResourcePool"},
		{o2imsv1alpha1.OCloud{}.OpenAPIModelName(), "o2ims.oran.org/v1alpha1", "OCloud"},
		{o2imsv1alpha1.O2Resource{}.OpenAPIModelName(), "o2ims.oran.org/v1alpha1", "Resource"},
		{o2imsv1alpha1.DeploymentManager{}.OpenAPIModelName(), "o2ims.oran.org/v1alpha1", "DeploymentManager"},
		{o2dmsv1alpha1.NfDeployment{}.OpenAPIModelName(), "o2dms.oran.org/v1alpha1", "NfDeployment"},
	}
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			tc := serverTypeConverter(t, c.model)
			gv, _ := schema.ParseGroupVersion(c.apiVersion)
			fm := managedfieldstest.NewTestFieldManager(tc, gv.WithKind(c.kind))
			cond := func(typ string) string {
				return `{"type":"` + typ + `","status":"True","reason":"R","message":"m","lastTransitionTime":"2026-01-01T00:00:00Z"}`
			}
			head := `{"apiVersion":"` + c.apiVersion + `","kind":"` + c.kind + `","metadata":{"name":"x","namespace":"ns"},"status":{"conditions":[`
			if err := fm.Apply(mustUnstructured(t, head+cond("A")+`]}}`), "ctrl-a", false); err != nil {
				t.Fatalf("apply A: %v", err)
			}
			if err := fm.Apply(mustUnstructured(t, head+cond("B")+`]}}`), "ctrl-b", false); err != nil {
				t.Fatalf("apply B: %v", err)
			}
			live, ok := fm.Live().(*unstructured.Unstructured)
			if !ok {
				t.Fatalf("live object is %T, want unstructured", fm.Live())
			}
			if got := strings.Join(conditionTypes(t, live.Object), ","); got != "A,B" {
				t.Fatalf("conditions after two managers applied = %q, want A,B", got)
			}
			changed := strings.Replace(cond("A"), `"True"`, `"False"`, 1)
			err := fm.Apply(mustUnstructured(t, head+changed+`]}}`), "ctrl-b", false)
			if err == nil || !strings.Contains(err.Error(), "conflict") {
				t.Fatalf("ctrl-b changing ctrl-a's condition: err = %v, want a conflict", err)
			}
		})
	}
}

// TestRegressionStrategicMergePatchConditionsMergeByType: an admin's
// `kubectl patch --type=strategic -p '{"status":{"conditions":[{"type":"B",...}]}}'` (and a
// client-side `kubectl apply`, which sends a strategic merge patch built from the published
// OpenAPI) replaced every condition of the object with the one sent, where on built-in kinds
// conditions merge by type. The server merges by the Go types' patchStrategy/patchMergeKey tags,
// kubectl by the x-kubernetes-patch-* extensions generated from them.
func TestRegressionStrategicMergePatchConditionsMergeByType(t *testing.T) {
	cases := []struct {
		kind   string
		schema interface{ OpenAPIModelName() string }
	}{
		{"ProvisioningRequest", &o2imsv1alpha1.ProvisioningRequest{}},
		{"ResourcePool", &o2imsv1alpha1.ResourcePool{}},
		{"OCloud", &o2imsv1alpha1.OCloud{}},
		{"Resource", &o2imsv1alpha1.O2Resource{}},
		{"DeploymentManager", &o2imsv1alpha1.DeploymentManager{}},
		{"NfDeployment", &o2dmsv1alpha1.NfDeployment{}},
	}
	defs := openapi.GetOpenAPIDefinitions(func(path string) spec.Ref { return spec.MustCreateRef("#/definitions/" + path) })
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			original := []byte(`{"status":{"conditions":[{"type":"A","status":"True","reason":"R","message":"m","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}`)
			patch := []byte(`{"status":{"conditions":[{"type":"B","status":"True","reason":"R","message":"m","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}`)
			merged, err := strategicpatch.StrategicMergePatch(original, patch, c.schema)
			if err != nil {
				t.Fatalf("strategic merge patch: %v", err)
			}
			got := &unstructured.Unstructured{}
			if err := yaml.Unmarshal(merged, &got.Object); err != nil {
				t.Fatal(err)
			}
			types := conditionTypes(t, got.Object)
			sort.Strings(types) // a strategic merge patch keeps the entries, not their order
			if types := strings.Join(types, ","); types != "A,B" {
				t.Errorf("conditions after a strategic merge patch of B = %q, want A,B", types)
			}

			status := defs[c.schema.OpenAPIModelName()].Schema.Properties["status"]
			statusModel := strings.TrimPrefix(status.Ref.String(), "#/definitions/")
			if statusModel == "" && len(status.AllOf) > 0 {
				statusModel = strings.TrimPrefix(status.AllOf[0].Ref.String(), "#/definitions/")
			}
			conds := defs[statusModel].Schema.Properties["conditions"]
			for ext, want := range map[string]string{
				"x-kubernetes-list-type":       "map",
				"x-kubernetes-patch-strategy":  "merge",
				"x-kubernetes-patch-merge-key": "type",
			} {
				if v, _ := conds.Extensions.GetString(ext); v != want {
					t.Errorf("OpenAPI %s.conditions %s = %q, want %q", statusModel, ext, v, want)
				}
			}
		})
	}
}
