package templates

import (
	"encoding/json"
	"fmt"

	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
)

// variableSchema is a ClusterClass variable's openAPIV3Schema as a JSON schema (2020-12, the
// draft admission checks parameters with by default). Cluster API's schema is OpenAPI v3.0's
// structural subset: the same keywords with the same meaning, except exclusiveMaximum and
// exclusiveMinimum, booleans there that modify maximum and minimum, and numbers in 2020-12
// that replace them. Extensions (x-kubernetes-*, x-metadata) are kept: JSON schema ignores
// unknown keywords, and they tell an SMO what Cluster API will check besides (CEL rules).
func variableSchema(s clusterv1.JSONSchemaProps) (map[string]any, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("decode schema: %w", err)
	}
	toDraft2020(out)
	return out, nil
}

// toDraft2020 rewrites the exclusive bounds of schema and of every schema nested in it.
func toDraft2020(schema map[string]any) {
	for _, bound := range [][2]string{{"exclusiveMaximum", "maximum"}, {"exclusiveMinimum", "minimum"}} {
		exclusive, limit := bound[0], bound[1]
		if b, ok := schema[exclusive].(bool); ok {
			delete(schema, exclusive)
			if v, ok := schema[limit]; ok && b {
				schema[exclusive] = v
				delete(schema, limit)
			}
		}
	}
	if props, ok := schema["properties"].(map[string]any); ok {
		for _, p := range props {
			if m, ok := p.(map[string]any); ok {
				toDraft2020(m)
			}
		}
	}
	for _, key := range []string{"additionalProperties", "items", "not"} {
		if m, ok := schema[key].(map[string]any); ok {
			toDraft2020(m)
		}
	}
	for _, key := range []string{"allOf", "oneOf", "anyOf"} {
		if list, ok := schema[key].([]any); ok {
			for _, item := range list {
				if m, ok := item.(map[string]any); ok {
					toDraft2020(m)
				}
			}
		}
	}
}
