package templates

import (
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2validation "github.com/netweave-io/netweave/apis/o2ims/validation"
)

// nested is a schema of depth objects nested by "items".
func nested(depth int) clusterv1.JSONSchemaProps {
	s := clusterv1.JSONSchemaProps{Type: "string"}
	for range depth {
		inner := s
		s = clusterv1.JSONSchemaProps{Type: "array", Items: &inner}
	}
	return s
}

// TestRegressionClusterClassBeyondTemplateBoundsGivesRefusedTemplates: a ClusterClass whose
// description annotation, variable schemas (size or nesting) exceed what the API accepts of a
// template gave templates the API refused on every retry, holding back the class's other
// writes. Every template Derive returns must now pass the API's own validation (the
// description cut to its bound); a class whose schema cannot is reported, with no template.
// Also the structure of defaults: the API counts a template's defaults by their bytes and
// ValueWeight per array, object, item and member (jsonparams.ValidateObject), and Derive
// checked the bytes alone, so a variable's default of small objects, 28 KiB of 64, gave
// templates the API refused.
func TestRegressionClusterClassBeyondTemplateBoundsGivesRefusedTemplates(t *testing.T) {
	longDescription := demoClass()
	longDescription.Annotations[v1alpha1.AnnotationDescription] = strings.Repeat("é", o2validation.MaxDescriptionLength)
	deep := demoClass()
	deep.Spec.Variables = append(deep.Spec.Variables, clusterv1.ClusterClassVariable{Name: "deep",
		Schema: clusterv1.VariableSchema{OpenAPIV3Schema: nested(200)}})
	huge := demoClass()
	for i := range 100 {
		huge.Spec.Variables = append(huge.Spec.Variables, clusterv1.ClusterClassVariable{Name: strings.Repeat("v", i+1),
			Schema: clusterv1.VariableSchema{OpenAPIV3Schema: clusterv1.JSONSchemaProps{Type: "string", Description: strings.Repeat("d", 4000)}}})
	}
	structured := demoClass()
	items := strings.Repeat(`{"a":1},`, 3500)
	structured.Spec.Variables = append(structured.Spec.Variables, clusterv1.ClusterClassVariable{Name: "pools",
		Schema: clusterv1.VariableSchema{OpenAPIV3Schema: clusterv1.JSONSchemaProps{Type: "array",
			Default: &apiextensionsv1.JSON{Raw: []byte("[" + items[:len(items)-1] + "]")}}}})
	for name, tc := range map[string]struct {
		cc        *clusterv1.ClusterClass
		templates bool
	}{
		"description":         {longDescription, true},
		"deep schema":         {deep, false},
		"huge schema":         {huge, false},
		"structured defaults": {structured, false},
	} {
		t.Run(name, func(t *testing.T) {
			got, _, err := Derive(tc.cc)
			if tc.templates && (err != nil || len(got) == 0) {
				t.Fatalf("no templates (%v); want them within the API's bounds", err)
			}
			if !tc.templates && (err == nil || len(got) > 0) {
				t.Errorf("%d templates, error %v; want none and an error naming the bound", len(got), err)
			}
			for _, tmpl := range got {
				var internal o2ims.ManagedInfrastructureTemplate
				if err := v1alpha1.Convert_v1alpha1_ManagedInfrastructureTemplate_To_o2ims_ManagedInfrastructureTemplate(tmpl, &internal, nil); err != nil {
					t.Fatal(err)
				}
				// The registry sets the id at create.
				internal.Spec.ArtifactResourceID = "39c85e74-2e98-4e3d-8fec-e5a849d967c6"
				if errs := o2validation.ValidateManagedInfrastructureTemplate(&internal); len(errs) > 0 {
					t.Errorf("template %s the API refuses: %v", tmpl.Name, errs.ToAggregate())
				}
			}
		})
	}
}
