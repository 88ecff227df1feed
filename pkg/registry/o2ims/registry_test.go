package o2ims_test

import (
	"sort"
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

// TestSelectableFieldsAgree guards the one list two places rely on: the registry builds field
// sets, the scheme's field label conversion admits labels. If they drift, a selector is either
// rejected although the server could serve it, or admitted and then matches nothing.
func TestSelectableFieldsAgree(t *testing.T) {
	scheme, _ := apiserver.NewScheme()
	for _, k := range allKinds() {
		obj := k.NewFunc()
		gvks, _, err := scheme.ObjectKinds(obj)
		if err != nil {
			t.Fatal(err)
		}
		kindName := gvks[0].Kind
		var got []string
		for f := range k.SelectableFields(obj) {
			got = append(got, f)
		}
		sort.Strings(got)
		want := append([]string(nil), v1alpha1.SelectableFields[kindName]...)
		sort.Strings(want)
		if len(got) != len(want) {
			t.Errorf("%s: registry fields %v, scheme fields %v", kindName, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: registry fields %v, scheme fields %v", kindName, got, want)
			}
		}
		gvk := v1alpha1.SchemeGroupVersion.WithKind(kindName)
		for _, f := range append(want, "metadata.name") {
			if _, _, err := scheme.ConvertFieldLabel(gvk, f, "x"); err != nil {
				t.Errorf("%s: scheme rejects %s: %v", kindName, f, err)
			}
		}
		if _, _, err := scheme.ConvertFieldLabel(gvk, "spec.unknown", "x"); err == nil {
			t.Errorf("%s: scheme admits spec.unknown", kindName)
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
