// Package o2dms_test checks what the o2dms.oran.org registries share with the scheme.
package o2dms_test

import (
	"testing"

	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeployment"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeploymentdescriptor"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeploymentsubscription"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// TestSelectableFieldsResolve: the scheme admits the field labels of
// v1alpha1.SelectableFieldsOf and the registry reads them from the objects, for every kind.
func TestSelectableFieldsResolve(t *testing.T) {
	scheme, _ := apiserver.NewScheme()
	for _, k := range []*kind.Kind{nfdeploymentdescriptor.Kind(), nfdeployment.Kind(nfdeployment.Options{}), nfdeploymentsubscription.Kind()} {
		obj := k.NewFunc()
		gvks, _, err := scheme.ObjectKinds(obj)
		if err != nil {
			t.Fatal(err)
		}
		if gvks[0].Kind != k.KindName || gvks[0].Group != v1alpha1.GroupName {
			t.Errorf("%s: KindName %q, scheme kind %v", k.Resource, k.KindName, gvks[0])
		}
		set, err := k.Fields(obj)
		if err != nil {
			t.Fatalf("%s: %v", k.KindName, err)
		}
		gvk := v1alpha1.SchemeGroupVersion.WithKind(k.KindName)
		for _, f := range append(v1alpha1.SelectableFieldsOf(k.KindName), "metadata.name", "metadata.namespace") {
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

// TestSubscriptionKindIsO2DMS: the shared subscription machinery qualifies the kind's
// refusals and RBAC checks with its own group, not o2ims.oran.org's.
func TestSubscriptionKindIsO2DMS(t *testing.T) {
	k := nfdeploymentsubscription.Kind()
	if gr := k.Qualified(k.Resource); gr.Group != v1alpha1.GroupName || gr.Resource != nfdeploymentsubscription.Resource {
		t.Errorf("qualified as %v", gr)
	}
	if !k.ServerAssignsIDs || k.PrepareForCreate == nil || k.PrepareForUpdate == nil || len(k.Columns) != 4 {
		t.Errorf("the subscription rules are not applied: %+v", k)
	}
}
