package o2ims_test

import (
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmdictionary"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmeventrecord"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmpurge"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmserviceconfiguration"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmsubscription"
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
		deploymentmanager.Kind(), location.Kind(), ocloudsite.Kind(), inventorysubscription.Kind(),
		alarmdictionary.Kind(), alarmeventrecord.Kind(), alarmsubscription.Kind(), alarmserviceconfiguration.Kind(), alarmpurge.Kind()}
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
		if k.HasID() && (len(want) == 0 || want[0] != k.IDPath.String()) {
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
		if !k.HasID() {
			continue
		}
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

// notReferences are the O2 id fields that name no stored object of a namespace, so the tenant
// boundary has nothing to resolve: the cluster-scoped O-Cloud every namespace shares, ids of
// things netweave does not store, and the element's own identity.
var notReferences = map[string]string{
	"ResourcePool spec.oCloudId":                                       "the cluster-scoped O-Cloud",
	"DeploymentManager spec.oCloudId":                                  "the cluster-scoped O-Cloud",
	"Resource spec.globalAssetId":                                      "a serial number, not an O2 object",
	"Resource spec.elements[0].resourceId":                             "the element's own id (elements are nested)",
	"Resource spec.elements[0].globalAssetId":                          "a serial number, not an O2 object",
	"OCloud spec.globalCloudId":                                        "the SMO's name for the O-Cloud",
	"InventorySubscription spec.consumerSubscriptionId":                "the SMO's own id",
	"AlarmSubscription spec.consumerSubscriptionId":                    "the SMO's own id",
	"AlarmDictionary spec.managementInterfaceId[0]":                    "an interface name (O2IMS), not an O2 object",
	"AlarmDictionary spec.alarmDefinition[0].alarmDefinitionId":        "the definition's own id (definitions are nested)",
	"AlarmDictionary spec.alarmDefinition[0].managementInterfaceId[0]": "an interface name (O2IMS), not an O2 object",
	"AlarmDictionary spec.alarmDefinition[0].probableCauseIds[0]":      "a cause of the same dictionary (validation checks it)",
	"AlarmDictionary spec.probableCauses[0].probableCauseId":           "the cause's own id (causes are nested)",
	"AlarmEventRecord spec.alarmDefinitionId":                          "nested in the dictionary, which is a reference",
	"AlarmEventRecord spec.probableCauseId":                            "nested in the dictionary, which is a reference",
}

// TestEveryIDReferenceIsResolved walks every kind's spec for fields that hold O2 ids (json
// names ending in "Id", and supportedLocations) and requires each to be the kind's own id, one
// of its Refs (naming a kind that exists), or listed in notReferences with a reason. A new id
// field cannot slip past the tenant boundary unnoticed.
func TestEveryIDReferenceIsResolved(t *testing.T) {
	kinds := map[string]*kind.Kind{}
	for _, k := range allKinds() {
		kinds[k.Resource] = k
	}
	for _, k := range allKinds() {
		obj := k.NewFunc()
		if rec, ok := obj.(*o2ims.AlarmEventRecord); ok {
			// What an alarm's objectId refers to depends on its class; the O-Cloud's is no
			// reference (cluster-scoped), a Resource's is.
			rec.Spec.ObjectClass = "Resource"
		}
		spec := reflect.ValueOf(obj).Elem().FieldByName("Spec")
		var fields []string
		fillIDs(spec, "spec", &fields)
		refs := map[string]bool{}
		if k.Refs != nil {
			for _, r := range k.Refs(obj) {
				refs[r.Path.String()] = true
				target, ok := kinds[r.Resource]
				if !ok || target.KindName != r.Kind || !target.Namespaced {
					t.Errorf("%s %s refers to %s (%s), not a namespaced kind of the group", k.KindName, r.Path, r.Resource, r.Kind)
				}
			}
		}
		for _, f := range fields {
			switch {
			case k.HasID() && f == k.IDPath.String(), refs[f], notReferences[k.KindName+" "+f] != "":
			default:
				t.Errorf("%s %s holds an O2 id but is neither a reference the registry resolves nor listed in notReferences", k.KindName, f)
			}
			delete(refs, f)
		}
		for f := range refs {
			t.Errorf("%s: reference %s is not an id field of the spec", k.KindName, f)
		}
		if want := k.Namespaced && !k.ServerAssignsIDs; k.ServerAssignsTenantIDs != want {
			t.Errorf("%s: ServerAssignsTenantIDs %v, want %v (every namespaced kind whose ids the server does not always assign)", k.KindName, k.ServerAssignsTenantIDs, want)
		}
	}
}

// fillIDs sets every id-holding string of v (a struct) to a value and records its path; slices
// of structs and strings get one element.
func fillIDs(v reflect.Value, path string, out *[]string) {
	for i := 0; i < v.NumField(); i++ {
		f, sf := v.Field(i), v.Type().Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		p := path + "." + name
		isID := strings.HasSuffix(name, "Id") || strings.HasSuffix(name, "Ids") || name == "supportedLocations"
		switch {
		case f.Kind() == reflect.String && isID:
			f.SetString("id-" + p)
			*out = append(*out, p)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String && isID:
			f.Set(reflect.Append(f, reflect.ValueOf("id-"+p)))
			*out = append(*out, p+"[0]")
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			f.Set(reflect.Append(f, reflect.New(f.Type().Elem()).Elem()))
			fillIDs(f.Index(0), p+"[0]", out)
		case f.Kind() == reflect.Struct:
			fillIDs(f, p, out)
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct && f.Type().Elem().PkgPath() == v.Type().PkgPath():
			f.Set(reflect.New(f.Type().Elem()))
			fillIDs(f.Elem(), p, out)
		}
	}
}
