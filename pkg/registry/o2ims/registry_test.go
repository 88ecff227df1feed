package o2ims_test

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/deploymentmanager"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/inventorysubscription"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/location"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/ocloud"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/ocloudsite"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resource"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resourcepool"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resourcetype"
)

func allKinds() []*kind.Kind {
	return []*kind.Kind{ocloud.Kind(), resourcetype.Kind(), resourcepool.Kind(), resource.Kind(),
		deploymentmanager.Kind(), location.Kind(), ocloudsite.Kind(), inventorysubscription.Kind()}
}

// TestSelectableFieldsResolve guards the one list two places rely on: the scheme admits the
// field labels of v1alpha1.SelectableFieldsOf, the registry reads them from the objects. A
// typo in the list, or a kind declared under the wrong name, would make a selector either
// rejected or match nothing.
func TestSelectableFieldsResolve(t *testing.T) {
	scheme, _ := apiserver.NewScheme()
	for _, k := range allKinds() {
		obj := k.NewFunc()
		gvks, _, err := scheme.ObjectKinds(obj)
		if err != nil {
			t.Fatal(err)
		}
		if gvks[0].Kind != k.KindName {
			t.Errorf("%s: KindName %q, scheme kind %q", k.Resource, k.KindName, gvks[0].Kind)
		}
		want := v1alpha1.SelectableFieldsOf(k.KindName)
		if len(want) == 0 || want[0] != k.IDPath.String() {
			t.Errorf("%s: selectable fields %v must start with the O2 id %s", k.KindName, want, k.IDPath)
		}
		set, err := k.Fields(obj)
		if err != nil {
			t.Fatalf("%s: %v", k.KindName, err)
		}
		gvk := v1alpha1.SchemeGroupVersion.WithKind(k.KindName)
		for _, f := range append(want, "metadata.name") {
			if _, ok := set[f]; !ok {
				t.Errorf("%s: field set lacks %s", k.KindName, f)
			}
			if _, _, err := scheme.ConvertFieldLabel(gvk, f, "x"); err != nil {
				t.Errorf("%s: scheme rejects %s: %v", k.KindName, f, err)
			}
		}
		if _, _, err := scheme.ConvertFieldLabel(gvk, "spec.unknown", "x"); err == nil {
			t.Errorf("%s: scheme admits spec.unknown", k.KindName)
		}
	}
}

// TestKindsRoundTripThroughV1alpha1 converts a populated object of every kind to v1alpha1 JSON
// and back, and checks the O2 id and the Resource kind name survive.
func TestKindsRoundTripThroughV1alpha1(t *testing.T) {
	scheme, codecs := apiserver.NewScheme()
	codec := codecs.LegacyCodec(v1alpha1.SchemeGroupVersion)
	for _, k := range allKinds() {
		obj := k.NewFunc()
		*k.ID(obj) = "39c85e74-2e98-4e3d-8fec-e5a849d967c6"
		obj.(metav1.Object).SetName("x")
		data, err := runtime.Encode(codec, obj)
		if err != nil {
			t.Fatalf("%s: encode: %v", k.Resource, err)
		}
		back, err := runtime.Decode(codec, data)
		if err != nil {
			t.Fatalf("%s: decode %s: %v", k.Resource, data, err)
		}
		if *k.ID(back) != *k.ID(obj) {
			t.Errorf("%s: id lost in %s", k.Resource, data)
		}
		if k.Resource == "resources" {
			gvks, _, _ := scheme.ObjectKinds(back)
			if gvks[0].Kind != "Resource" {
				t.Errorf("resources: kind %s, want Resource", gvks[0].Kind)
			}
		}
	}
}
