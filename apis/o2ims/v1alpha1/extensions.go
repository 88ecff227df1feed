package v1alpha1

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Extensions are O2-IMS key-value metadata whose values may be any JSON value.
type Extensions map[string]JSON

// JSON holds one arbitrary JSON value verbatim. O2-IMS extensions, capabilities and capacity
// allow any value, and SOL013 filters can reach into nested objects, so flattening them to
// strings would lose what SMOs filter on.
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

// UnmarshalJSON keeps a copy of the value in the form encoding/json writes it back: compact,
// with <, > and & (and U+2028, U+2029) escaped. The encoder rewrites a Marshaler's output so,
// and a value kept as the client sent it would be stored as other bytes than it was written
// with: the next identical write would differ from what is stored (found by
// FuzzDecodeValidate: an extension {"&":[0,null,"0"]} read back changed).
func (j *JSON) UnmarshalJSON(data []byte) error {
	if j == nil {
		return errors.New("v1alpha1.JSON: UnmarshalJSON on nil pointer")
	}
	if bytes.Equal(data, []byte("null")) {
		j.Raw = nil
		return nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return fmt.Errorf("v1alpha1.JSON: %w", err)
	}
	var out bytes.Buffer
	out.Grow(compact.Len())
	json.HTMLEscape(&out, compact.Bytes())
	j.Raw = out.Bytes()
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
