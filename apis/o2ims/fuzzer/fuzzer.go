// Package fuzzer fills O2 objects with random but valid content for round-trip tests.
package fuzzer

import (
	"encoding/json"

	runtimeserializer "k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/randfill"

	"github.com/netweave-io/netweave/apis/o2ims"
)

// Funcs returns the fuzzer functions of the o2ims group: extension values must be JSON, which
// random bytes are not, and defaulted fields must hold non-default-able values.
func Funcs(runtimeserializer.CodecFactory) []interface{} {
	return []interface{}{
		// Defaulting fills empty enums on decode; the fuzzer must produce what defaulting
		// leaves alone or the round trip reports the default as a difference.
		func(s *o2ims.ResourceTypeSpec, c randfill.Continue) {
			c.FillNoCustom(s)
			if s.ResourceKind == "" {
				s.ResourceKind = o2ims.ResourceKindUndefined
			}
			if s.ResourceClass == "" {
				s.ResourceClass = o2ims.ResourceClassUndefined
			}
		},
		func(s *o2ims.AlarmDictionarySpec, c randfill.Continue) {
			c.FillNoCustom(s)
			if len(s.ManagementInterfaceID) == 0 {
				s.ManagementInterfaceID = []string{"O2IMS"}
			}
		},
		func(s *o2ims.AlarmServiceConfigurationSpec, c randfill.Continue) {
			c.FillNoCustom(s)
			if s.RetentionPeriod == nil {
				days := 1 + c.Int31n(365)
				s.RetentionPeriod = &days
			}
		},
		// A JSON object field that is set holds an object: a set pointer to JSON null
		// decodes as an unset field.
		func(s *o2ims.ProvisioningRequestSpec, c randfill.Continue) {
			c.FillNoCustom(s)
			s.TemplateParameters = jsonObject(c)
		},
		func(s *o2ims.ManagedInfrastructureTemplateSpec, c randfill.Continue) {
			c.FillNoCustom(s)
			s.ParameterSchema, s.Defaults = jsonObject(c), jsonObject(c)
		},
		func(j *o2ims.JSON, c randfill.Continue) {
			var v interface{}
			switch c.Intn(4) {
			case 0:
				v = c.String(0)
			case 1:
				v = c.Int63()
			case 2:
				v = map[string]interface{}{c.String(0): []interface{}{c.Bool(), c.String(0)}}
			default:
				v = nil
			}
			raw, err := json.Marshal(v)
			if err != nil {
				panic(err)
			}
			if string(raw) == "null" {
				raw = nil
			}
			j.Raw = raw
		},
	}
}

// jsonObject returns nil or a random JSON object.
func jsonObject(c randfill.Continue) *o2ims.JSON {
	if c.Bool() {
		return nil
	}
	raw, err := json.Marshal(map[string]interface{}{c.String(0): []interface{}{c.Bool(), c.String(0)}})
	if err != nil {
		panic(err)
	}
	return &o2ims.JSON{Raw: raw}
}
