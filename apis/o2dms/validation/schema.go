package validation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2dms"
)

// Parameters schemas are checked with santhosh-tekuri/jsonschema, the library Helm itself
// validates values against values.schema.json with, so what admission accepts Helm accepts.

// schemaURL names the schema being compiled; nothing is ever fetched from it.
const schemaURL = "urn:netweave:o2dms:parameters-schema"

var printer = message.NewPrinter(language.English)

// noLoader refuses every $ref outside the schema itself: admission must neither read the
// server's files (the library's default loader reads file:// URLs) nor reach the network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("references outside the schema are not followed (%s)", url)
}

// CompileParametersSchema compiles raw, which must be a JSON object and a valid JSON schema
// (checked against its draft's metaschema; draft 2020-12 unless $schema names another).
// Errors are reported at path and below it, where the metaschema locates them.
func CompileParametersSchema(raw []byte, path *field.Path) (*jsonschema.Schema, field.ErrorList) {
	if _, errs := decodeObject(raw, MaxSchemaBytes, path); len(errs) > 0 {
		return nil, errs
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, field.ErrorList{field.Invalid(path, "", fmt.Sprintf("must be JSON: %v", err))}
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, field.ErrorList{field.Invalid(path, field.OmitValueType{}, fmt.Sprintf("must be a JSON schema: %v", err))}
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		var meta *jsonschema.SchemaValidationError
		var verr *jsonschema.ValidationError
		if errors.As(err, &meta) && errors.As(meta.Err, &verr) {
			return nil, leafErrors(verr, doc, path, "must be a valid JSON schema: ")
		}
		return nil, field.ErrorList{field.Invalid(path, field.OmitValueType{}, fmt.Sprintf("must be a valid JSON schema: %v", err))}
	}
	return sch, nil
}

// ValidateValues merges values over defaults as Helm does (MergeValues) and checks the result
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
	// Validate the merged document in the form the library expects (json.Number numbers).
	raw, err := jsonMarshal(merged)
	if err != nil {
		return field.ErrorList{field.InternalError(path, err)}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return field.ErrorList{field.InternalError(path, err)}
	}
	if err := sch.Validate(inst); err != nil {
		var verr *jsonschema.ValidationError
		if errors.As(err, &verr) {
			return leafErrors(verr, inst, path, "")
		}
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, err.Error())}
	}
	return nil
}

// MergedValues is what a release of d with values is installed with: values over the
// descriptor's defaultValues, merged as Helm merges user values over a chart's values.yaml
// (objects deeply, anything else replaced, a null deleting the key).
func MergedValues(d *o2dms.NfDeploymentDescriptorSpec, values *o2dms.JSON) (map[string]any, error) {
	base := map[string]any{}
	if d.DefaultValues != nil {
		obj, errs := decodeObject(d.DefaultValues.Raw, MaxValuesBytes, field.NewPath("defaultValues"))
		if len(errs) > 0 {
			return nil, fmt.Errorf("the descriptor's defaultValues: %v", errs.ToAggregate())
		}
		base = obj
	}
	if values == nil {
		return base, nil
	}
	over, errs := decodeObject(values.Raw, MaxValuesBytes, field.NewPath("values"))
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	return MergeValues(base, over), nil
}

// MergeValues merges over into base (both are modified or reused): objects merge key by key,
// other values replace, and a null in over deletes the key.
func MergeValues(base, over map[string]any) map[string]any {
	for k, v := range over {
		if v == nil {
			delete(base, k)
			continue
		}
		if vm, ok := v.(map[string]any); ok {
			if bm, ok := base[k].(map[string]any); ok {
				base[k] = MergeValues(bm, vm)
				continue
			}
		}
		base[k] = v
	}
	return base
}

// leafErrors turns the innermost causes of a validation error into field errors at their
// instance locations below path, in a stable order.
func leafErrors(verr *jsonschema.ValidationError, doc any, path *field.Path, prefix string) field.ErrorList {
	// One error per place: the alternatives of an anyOf or oneOf are joined into its detail.
	var errs field.ErrorList
	at := map[string]*field.Error{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		p, value := locate(doc, e.InstanceLocation, path)
		msg := e.ErrorKind.LocalizedString(printer)
		if prev, ok := at[p.String()]; ok {
			if !strings.Contains(prev.Detail, msg) {
				prev.Detail += "; " + msg
			}
			return
		}
		errs = append(errs, field.Invalid(p, value, prefix+msg))
		at[p.String()] = errs[len(errs)-1]
	}
	walk(verr)
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	return errs
}

// locate turns JSON pointer tokens into a field path (indexes for arrays, children for object
// keys) and returns the value there when it is a scalar worth printing.
func locate(doc any, tokens []string, path *field.Path) (*field.Path, any) {
	cur := doc
	for _, tok := range tokens {
		switch v := cur.(type) {
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return path.Child(tok), field.OmitValueType{}
			}
			path, cur = path.Index(i), v[i]
		case map[string]any:
			path, cur = path.Child(tok), v[tok]
		default:
			return path.Child(tok), field.OmitValueType{}
		}
	}
	switch cur.(type) {
	case map[string]any, []any, nil:
		return path, field.OmitValueType{}
	}
	return path, cur
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
