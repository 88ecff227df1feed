package templates

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/jsonparams"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2validation "github.com/netweave-io/netweave/apis/o2ims/validation"
)

// Skipped is a version of a ClusterClass that gives no template, and why.
type Skipped struct {
	Version string
	Reason  string
}

// Derive returns the templates of cc, one per Kubernetes version it lists, and the versions
// skipped because their template name would not be a valid object name (e.g. "v1.33.0+k3s1").
// A ClusterClass whose name is not a valid label value (over 63 characters) gives no templates:
// the templates' LabelClusterClass could not name it; one whose variables give a parameterSchema
// or defaults beyond what the API accepts gives an error (its description is cut to fit).
func Derive(cc *clusterv1.ClusterClass) ([]*v1alpha1.ManagedInfrastructureTemplate, []Skipped, error) {
	if msgs := validation.IsValidLabelValue(cc.Name); len(msgs) > 0 {
		return nil, []Skipped{{Reason: "ClusterClass name is not a valid label value: " + strings.Join(msgs, "; ")}}, nil
	}
	schema, defaults, err := parameters(cc.Spec.Variables)
	if err != nil {
		return nil, nil, fmt.Errorf("ClusterClass %s/%s: %w", cc.Namespace, cc.Name, err)
	}
	// The API checks these on every write of a template: one it refuses would be refused on
	// every retry, so the class gives no templates instead, and says why.
	spec := field.NewPath("spec")
	if _, errs := jsonparams.Compile(schema, o2validation.MaxParameterSchemaBytes, spec.Child("parameterSchema")); len(errs) > 0 {
		return nil, nil, fmt.Errorf("ClusterClass %s/%s: variables give a parameterSchema the API refuses: %w", cc.Namespace, cc.Name, errs.ToAggregate())
	}
	// ValidateObject, not DecodeObject: the API counts the defaults' structure as well as
	// their bytes.
	if errs := jsonparams.ValidateObject(defaults, o2validation.MaxTemplateParametersBytes, spec.Child("defaults")); len(errs) > 0 {
		return nil, nil, fmt.Errorf("ClusterClass %s/%s: variables' defaults give defaults the API refuses: %w", cc.Namespace, cc.Name, errs.ToAggregate())
	}
	// A description is informative only: cut to the API's bound rather than lose the class.
	description := o2validation.Truncate(cc.Annotations[v1alpha1.AnnotationDescription], o2validation.MaxDescriptionLength)
	characteristics := map[string]string{}
	for k, v := range cc.Labels {
		if key, ok := strings.CutPrefix(k, v1alpha1.LabelCharacteristicPrefix); ok && key != "" {
			characteristics[key] = v
		}
	}
	if len(characteristics) == 0 {
		characteristics = nil
	}
	var (
		out     []*v1alpha1.ManagedInfrastructureTemplate
		skipped []Skipped
	)
	for _, version := range cc.Spec.KubernetesVersions {
		name := o2validation.TemplateObjectName(cc.Name, version)
		if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
			skipped = append(skipped, Skipped{Version: version, Reason: fmt.Sprintf("template name %q is not a valid object name: %s", name, strings.Join(msgs, "; "))})
			continue
		}
		out = append(out, &v1alpha1.ManagedInfrastructureTemplate{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: cc.Namespace, Labels: Labels(cc.Name)},
			Spec: v1alpha1.ManagedInfrastructureTemplateSpec{
				Name: cc.Name, Version: version, Description: description,
				ParameterSchema: &v1alpha1.JSON{Raw: schema}, Defaults: &v1alpha1.JSON{Raw: defaults},
				Characteristics: characteristics,
				ClusterClassRef: v1alpha1.ClusterReference{Namespace: cc.Namespace, Name: cc.Name},
			},
		})
	}
	return out, skipped, nil
}

// Labels are the labels of the templates of ClusterClass class: the sync's ownership mark and
// the class, by which the sync finds them.
func Labels(class string) map[string]string {
	return map[string]string{v1alpha1.LabelManagedBy: v1alpha1.ManagedByTemplateSync, v1alpha1.LabelClusterClass: class}
}

// parameters returns the parameterSchema (a JSON object schema: one property per variable,
// the required variables required, no other properties since Cluster API refuses variables
// its ClusterClass does not define) and the defaults ({"clusterInstanceDefaults": {variable:
// default}}) of variables.
func parameters(variables []clusterv1.ClusterClassVariable) (schema, defaults []byte, err error) {
	props := map[string]any{}
	required := []string{}
	values := map[string]any{}
	for _, v := range variables {
		s, err := variableSchema(v.Schema.OpenAPIV3Schema)
		if err != nil {
			return nil, nil, fmt.Errorf("variable %s: %w", v.Name, err)
		}
		props[v.Name] = s
		if v.Required != nil && *v.Required {
			required = append(required, v.Name)
		}
		if d := v.Schema.OpenAPIV3Schema.Default; d != nil && len(d.Raw) > 0 {
			values[v.Name] = json.RawMessage(d.Raw)
		}
	}
	slices.Sort(required)
	schema, err = json.Marshal(map[string]any{
		"type": "object", "properties": props, "required": required, "additionalProperties": false,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("encode parameterSchema: %w", err)
	}
	defaults, err = json.Marshal(map[string]any{"clusterInstanceDefaults": values})
	if err != nil {
		return nil, nil, fmt.Errorf("encode defaults: %w", err)
	}
	return schema, defaults, nil
}
