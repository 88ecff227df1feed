package options

import (
	"sort"
	"strings"
	"testing"

	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"

	o2dmsv1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	o2imsv1alpha1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/openapi"
)

// ownPackages are the Go packages of netweave's API types: kubectl explain shows every field
// of theirs, so each must say what it is (upstream types, e.g. ObjectMeta, document their own).
var ownPackages = []string{
	modelPackage(o2imsv1alpha1.ResourcePoolSpec{}.OpenAPIModelName()),
	modelPackage(o2dmsv1alpha1.NfDeploymentSpec{}.OpenAPIModelName()),
}

// modelPackage is the prefix the OpenAPI model names of a type's package share.
func modelPackage(model string) string { return model[:strings.LastIndex(model, ".")+1] }

// TestEveryFieldDescribed fails for each field of netweave's API types whose Go doc comment is
// missing, which kubectl explain would show as "<no description>": the server publishes these
// definitions (Config) as its OpenAPI v2 and v3.
func TestEveryFieldDescribed(t *testing.T) {
	defs := openapi.GetOpenAPIDefinitions(func(path string) spec.Ref { return spec.MustCreateRef("#/definitions/" + path) })
	var missing []string
	own := 0
	for name, def := range defs {
		if !isOwn(name) {
			continue
		}
		own++
		missing = append(missing, undescribed(name, def)...)
	}
	if own == 0 {
		t.Fatal("no definitions of netweave's API packages were generated")
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s has no description (add a doc comment to the Go field and run hack/update-codegen.sh)", m)
	}
}

func isOwn(name string) bool {
	for _, p := range ownPackages {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// undescribed lists def itself, when its type has no doc comment, and its properties, by type
// and JSON name, that carry no description of their own. A property whose type is another
// definition carries the field's comment beside its reference, so it is checked the same way.
func undescribed(name string, def common.OpenAPIDefinition) []string {
	short := name[strings.LastIndex(name, ".")+1:]
	var out []string
	if strings.TrimSpace(def.Schema.Description) == "" {
		out = append(out, short)
	}
	for prop, s := range def.Schema.Properties {
		if prop == "apiVersion" || prop == "kind" || prop == "metadata" {
			continue // TypeMeta and ObjectMeta/ListMeta, described upstream
		}
		if strings.TrimSpace(s.Description) == "" {
			out = append(out, short+"."+prop)
		}
	}
	return out
}
