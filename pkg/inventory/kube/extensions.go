package kube

import (
	"encoding/json"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// omittedExtensionsKey lists the extensions left out to keep the map within the API's bound.
const omittedExtensionsKey = "omittedExtensions"

// extensions encodes values as O2 extensions. Only plain data (strings, numbers, maps and
// slices of them) goes in, so encoding cannot fail; a failure would be a programming error.
//
// The values come from objects Kubernetes bounds only by their whole size (a Node's nodeInfo,
// addresses and extended resources, a StorageClass's parameters), while the API refuses a map
// over validation.MaxExtensionsBytes: a refused object would be retried for ever and missing
// from the inventory. So the largest entries (ties by key, so one source always gives one map)
// are left out until the map fits, and omittedExtensions names them.
func extensions(values map[string]any) v1alpha1.Extensions {
	out := make(v1alpha1.Extensions, len(values)+1)
	size := 0
	for k, v := range values {
		raw, err := json.Marshal(v)
		if err != nil {
			panic(fmt.Sprintf("extension %q: %v", k, err))
		}
		out[k] = v1alpha1.JSON{Raw: raw}
		size += validation.ExtensionEntrySize(k, raw)
	}
	var omitted []string
	for size > validation.MaxExtensionsBytes {
		largest := ""
		for _, k := range sortedKeys(out) {
			if k == omittedExtensionsKey {
				continue
			}
			if largest == "" || len(out[k].Raw) > len(out[largest].Raw) {
				largest = k
			}
		}
		if largest == "" {
			break
		}
		size -= validation.ExtensionEntrySize(largest, out[largest].Raw)
		delete(out, largest)
		omitted = append(omitted, largest)
		if prev, ok := out[omittedExtensionsKey]; ok {
			size -= validation.ExtensionEntrySize(omittedExtensionsKey, prev.Raw)
		}
		sort.Strings(omitted)
		raw, err := json.Marshal(omitted)
		if err != nil {
			panic(fmt.Sprintf("extension %q: %v", omittedExtensionsKey, err))
		}
		out[omittedExtensionsKey] = v1alpha1.JSON{Raw: raw}
		size += validation.ExtensionEntrySize(omittedExtensionsKey, raw)
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
