// Package fuzzer fills O2-DMS objects with random but valid content for round-trip tests.
package fuzzer

import (
	"encoding/json"

	runtimeserializer "k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/randfill"

	"github.com/netweave-io/netweave/apis/o2dms"
)

// Funcs returns the fuzzer functions of the o2dms group: raw values must be JSON, which random
// bytes are not.
func Funcs(runtimeserializer.CodecFactory) []interface{} {
	return []interface{}{
		func(j *o2dms.JSON, c randfill.Continue) {
			raw, err := json.Marshal(map[string]interface{}{c.String(0): []interface{}{c.Bool(), c.Int63(), c.String(0)}})
			if err != nil {
				panic(err)
			}
			j.Raw = raw
		},
	}
}
