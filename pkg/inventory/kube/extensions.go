package kube

import (
	"encoding/json"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// extensions encodes values as O2 extensions. Only plain data (strings, numbers, maps and
// slices of them) goes in, so encoding cannot fail; a failure would be a programming error.
func extensions(values map[string]any) v1alpha1.Extensions {
	out := make(v1alpha1.Extensions, len(values))
	for k, v := range values {
		raw, err := json.Marshal(v)
		if err != nil {
			panic(fmt.Sprintf("extension %q: %v", k, err))
		}
		out[k] = v1alpha1.JSON{Raw: raw}
	}
	return out
}

// quantities renders a resource list as name → quantity string, e.g. {"cpu": "4"}.
func quantities(l corev1.ResourceList) map[string]string {
	out := make(map[string]string, len(l))
	for name, q := range l {
		out[string(name)] = q.String()
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
