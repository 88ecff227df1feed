package v1alpha1

import (
	"bytes"
	"errors"

	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// JSON holds one JSON value verbatim: Helm values and their JSON schema are free-form, so the
// API keeps them as written (validation requires an object where one is expected).
type JSON struct {
	Raw []byte `json:"-"`
}

// MarshalJSON writes the stored value, or null when there is none.
func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j.Raw) == 0 {
		return []byte("null"), nil
	}
	return j.Raw, nil
}

// UnmarshalJSON keeps a copy of the value; the decoder reuses its buffer.
func (j *JSON) UnmarshalJSON(data []byte) error {
	if j == nil {
		return errors.New("v1alpha1.JSON: UnmarshalJSON on nil pointer")
	}
	if bytes.Equal(data, []byte("null")) {
		j.Raw = nil
		return nil
	}
	j.Raw = append(j.Raw[:0], data...)
	return nil
}

// OpenAPIDefinition makes the value schemaless so kubectl, validation and server-side apply
// accept any JSON here.
func (JSON) OpenAPIDefinition() common.OpenAPIDefinition {
	return common.OpenAPIDefinition{
		Schema: spec.Schema{
			SchemaProps: spec.SchemaProps{
				Description: "Any JSON value.",
			},
			VendorExtensible: spec.VendorExtensible{
				Extensions: spec.Extensions{"x-kubernetes-preserve-unknown-fields": true},
			},
		},
	}
}
