package controller

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// TestRegressionClusterGetsDefaultsAdmissionNeverChecked: admission reads a template's
// defaults under the key clusterInstanceDefaults exactly, but the controller decoded them into
// a struct, which encoding/json matches case-insensitively: a template whose defaults said
// "ClusterInstanceDefaults" (or held it twice, in two cases) gave Clusters variables that
// admission had neither merged nor checked against the parameterSchema. The Cluster's
// variables are now what admission checked.
func TestRegressionClusterGetsDefaultsAdmissionNeverChecked(t *testing.T) {
	for _, defaults := range []string{
		`{"ClusterInstanceDefaults":{"flavor":"huge","workers":40}}`,
		`{"clusterInstanceDefaults":{"workers":2},"CLUSTERINSTANCEDEFAULTS":{"workers":40,"flavor":"huge"}}`,
		`{"clusterInstanceDefaults":[1]}`,
	} {
		t.Run(defaults, func(t *testing.T) {
			tmpl := template("v1.33.0")
			tmpl.Spec.Defaults = &v1alpha1.JSON{Raw: []byte(defaults)}
			req := request("tenant-a")
			req.Spec.TemplateParameters = &v1alpha1.JSON{Raw: []byte(`{"region":"eu-1"}`)}
			var spec o2ims.ManagedInfrastructureTemplateSpec
			if err := v1alpha1.Convert_v1alpha1_ManagedInfrastructureTemplateSpec_To_o2ims_ManagedInfrastructureTemplateSpec(&tmpl.Spec, &spec, nil); err != nil {
				t.Fatal(err)
			}
			checked, errs := validation.TemplateValues(&spec, &o2ims.JSON{Raw: req.Spec.TemplateParameters.Raw}, field.NewPath("spec", "templateParameters"))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			top, err := topology(req, tmpl)
			if err != nil {
				t.Fatalf("admission accepted the template's defaults, the controller refuses them: %v", err)
			}
			got := map[string]string{}
			for _, v := range top.Variables {
				got[v.Name] = string(v.Value.Raw)
			}
			want := map[string]string{}
			for k, v := range checked {
				raw, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				want[k] = string(raw)
			}
			if !maps.Equal(got, want) {
				t.Errorf("Cluster variables %v (%v), admission checked %v", got, slices.Sorted(maps.Keys(got)), want)
			}
		})
	}
}
