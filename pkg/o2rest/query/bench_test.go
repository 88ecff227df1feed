package query

import (
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkMatch evaluates a two-term filter, as an SMO sends it, over a
// 10,000-object list decoded from JSON; one op is the whole list.
func BenchmarkMatch(b *testing.B) {
	const n = 10000
	objs := make([]map[string]any, n)
	for i := range objs {
		raw := fmt.Sprintf(`{
			"resourceId": "00000000-0000-4000-8000-%012d",
			"resourcePoolId": "5a8e6c2b-3f1d-4e7a-9b0c-1d2e3f4a5b6c",
			"resourceTypeId": "8b5d3c6e-1f4a-4d2b-9c7e-0a1b2c3d4e5%d",
			"description": "worker node %d in rack %d",
			"globalAssetId": "asset-%d",
			"tags": ["edge", "rack-%d"],
			"extensions": {"country": "ES", "cpu": {"cores": %d}}
		}`, i, i%10, i, i%40, i, i%40, 4+i%60)
		if err := json.Unmarshal([]byte(raw), &objs[i]); err != nil {
			b.Fatal(err)
		}
	}
	f, err := ParseFilter("(eq,resourceTypeId,8B5D3C6E-1F4A-4D2B-9C7E-0A1B2C3D4E53);(cont,description,rack 3)")
	if err != nil {
		b.Fatal(err)
	}
	matched := 0
	b.ReportAllocs()
	for b.Loop() {
		matched = 0
		for _, obj := range objs {
			ok, err := f.Match(obj)
			if err != nil {
				b.Fatal(err)
			}
			if ok {
				matched++
			}
		}
	}
	if matched == 0 {
		b.Fatal("the filter matched nothing; the benchmark would measure only the first term")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/object")
}
