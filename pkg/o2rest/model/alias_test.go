package model_test

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// scribble overwrites everything reachable from a document: every map entry and slice element,
// depth first, and adds keys to every map.
func scribble(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			scribble(e)
			v[k] = "scribbled"
		}
		v["added"] = true
	case []any:
		for i, e := range v {
			scribble(e)
			v[i] = "scribbled"
		}
	}
}

// Documents are handed to projections, redaction and encoders that may edit them; the object,
// which the watch cache shares between requests, must not change.
func TestMappingDoesNotAlias(t *testing.T) {
	derivedSites := []string{idSite}
	derivedPools := []string{idPool}
	type mapping struct {
		obj runtime.Object
		run func() []map[string]any
	}
	var objects []mapping
	oc, rt, rp, r := fullOCloud(), fullResourceType(), fullResourcePool(), fullResource()
	dm, sub, loc, site := fullDeploymentManager(), fullSubscription(), fullLocation(), fullOCloudSite()
	add := func(obj runtime.Object, run func() []map[string]any) {
		objects = append(objects, mapping{obj, run})
	}
	add(oc, func() []map[string]any {
		return []map[string]any{model.OCloudInfoV1(oc, "x"), model.OCloudInfoV2(oc, "")}
	})
	add(rt, func() []map[string]any { return []map[string]any{model.ResourceTypeV1(rt), model.ResourceTypeV2(rt)} })
	add(rp, func() []map[string]any { return []map[string]any{model.ResourcePoolV1(rp), model.ResourcePoolV2(rp)} })
	add(r, func() []map[string]any { return []map[string]any{model.ResourceV1(r), model.ResourceV2(r)} })
	add(dm, func() []map[string]any {
		return []map[string]any{model.DeploymentManagerV1(dm), model.DeploymentManagerV2(dm)}
	})
	add(sub, func() []map[string]any { return []map[string]any{model.SubscriptionV1(sub), model.SubscriptionV2(sub)} })
	add(loc, func() []map[string]any { return []map[string]any{model.LocationInfoV2(loc, derivedSites)} })
	add(site, func() []map[string]any { return []map[string]any{model.OCloudSiteInfoV2(site, derivedPools)} })

	for _, o := range objects {
		before := o.obj.DeepCopyObject()
		first := o.run()
		for _, doc := range first {
			scribble(doc)
		}
		if !reflect.DeepEqual(before, o.obj) {
			t.Errorf("%T changed by editing its document:\nbefore %+v\nafter  %+v", o.obj, before, o.obj)
		}
		// A fresh mapping is unaffected by the edits to the previous one.
		second := o.run()
		for i, doc := range second {
			if reflect.DeepEqual(doc, first[i]) {
				t.Errorf("%T: second mapping shows the edits of the first", o.obj)
			}
		}
	}
	if !reflect.DeepEqual(derivedSites, []string{idSite}) || !reflect.DeepEqual(derivedPools, []string{idPool}) {
		t.Error("derived id lists changed by editing the documents")
	}
}
