package model_test

import (
	"fmt"
	"testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// BenchmarkResourceList maps a list of 10,000 resources as a list response does; extensions
// are what a node carries (a few scalars and a labels object).
func BenchmarkResourceList(b *testing.B) {
	items := make([]v1alpha1.O2Resource, 10000)
	for i := range items {
		r := fullResource()
		r.Spec.ResourceID = fmt.Sprintf("39c85e74-2e98-4e3d-8fec-%012d", i)
		r.Spec.Extensions = ext("vendor", `"Dell"`, "model", `"XR8620t"`, "cpus", `64`,
			"operationalState", `"ENABLED"`, "labels", `{"zone":"a","rack":"r1"}`)
		items[i] = *r
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range items {
			_ = model.ResourceV2(&items[i])
		}
	}
}
