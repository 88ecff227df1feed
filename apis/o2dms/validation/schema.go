package validation

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/jsonparams"
	"github.com/netweave-io/netweave/apis/o2dms"
)

// CompileParametersSchema compiles raw, which must be a JSON object and a valid JSON schema
// (see jsonparams.Compile).
func CompileParametersSchema(raw []byte, path *field.Path) (*jsonparams.Schema, field.ErrorList) {
	return jsonparams.Compile(raw, MaxSchemaBytes, path)
}

// ValidateValues merges values over defaults as Helm does (MergedValues) and checks the result
// against the descriptor's parametersSchema; errors name their place under path (spec.values).
// A descriptor without a schema accepts any object. The schema, defaults and values must each
// have passed their own validation; a schema that no longer compiles is reported at path.
func ValidateValues(d *o2dms.NfDeploymentDescriptorSpec, values *o2dms.JSON, path *field.Path) field.ErrorList {
	merged, err := MergedValues(d, values)
	if err != nil {
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, err.Error())}
	}
	if d.ParametersSchema == nil {
		return nil
	}
	sch, errs := CompileParametersSchema(d.ParametersSchema.Raw, field.NewPath("parametersSchema"))
	if len(errs) > 0 {
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, "the descriptor's parametersSchema does not compile: "+errs.ToAggregate().Error())}
	}
	return sch.Validate(merged, path)
}

// MergedValues is what a release of d with values is installed with: values over the
// descriptor's defaultValues, merged as Helm merges user values over a chart's values.yaml
// (objects deeply, anything else replaced, a null deleting the key).
func MergedValues(d *o2dms.NfDeploymentDescriptorSpec, values *o2dms.JSON) (map[string]any, error) {
	base := map[string]any{}
	if d.DefaultValues != nil {
		obj, errs := jsonparams.DecodeObject(d.DefaultValues.Raw, MaxValuesBytes, field.NewPath("defaultValues"))
		if len(errs) > 0 {
			return nil, fmt.Errorf("the descriptor's defaultValues: %v", errs.ToAggregate())
		}
		base = obj
	}
	if values == nil {
		return base, nil
	}
	over, errs := jsonparams.DecodeObject(values.Raw, MaxValuesBytes, field.NewPath("values"))
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	return jsonparams.Merge(base, over), nil
}
