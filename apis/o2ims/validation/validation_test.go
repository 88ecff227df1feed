package validation

import (
	"strconv"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims"
)

const (
	id1 = "39c85e74-2e98-4e3d-8fec-e5a849d967c6"
	id2 = "56337d0e-8bee-47d3-afcb-3c621cffa2b7"
)

func meta(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name, Namespace: "ns"} }

// wantErrors asserts that errs names exactly the given field paths (order-insensitive).
func wantErrors(t *testing.T, errs field.ErrorList, paths ...string) {
	t.Helper()
	got := map[string]bool{}
	for _, e := range errs {
		got[e.Field] = true
	}
	for _, p := range paths {
		if !got[p] {
			t.Errorf("want an error on %s, got %v", p, errs)
		}
		delete(got, p)
	}
	for p := range got {
		t.Errorf("unexpected error on %s: %v", p, errs)
	}
}

func TestResource(t *testing.T) {
	valid := func() *o2ims.O2Resource {
		return &o2ims.O2Resource{ObjectMeta: meta("worker-1"), Spec: o2ims.ResourceSpec{ResourceID: id1, ResourcePoolID: id1, ResourceTypeID: id2}}
	}
	wantErrors(t, ValidateResource(valid()))

	r := valid()
	r.Spec.ResourcePoolID = "pool-1"
	r.Spec.ResourceTypeID = ""
	r.Spec.Tags = []string{"ok", ""}
	r.Status.OperationalState = "BROKEN"
	r.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: "True"}, {Type: "Ready", Status: "Maybe"}}
	wantErrors(t, ValidateResource(r), "spec.resourcePoolId", "spec.resourceTypeId", "spec.tags[1]",
		"status.operationalState", "status.conditions[1].type", "status.conditions[1].status")

	r = valid()
	r.Name = "Not_A_DNS_Name"
	wantErrors(t, ValidateResource(r), "metadata.name")
}

func TestResourcePoolStatus(t *testing.T) {
	p := &o2ims.ResourcePool{ObjectMeta: meta("ran"), Spec: o2ims.ResourcePoolSpec{ResourcePoolID: id1, Name: "ran"}}
	p.Status.Conditions = []metav1.Condition{{Type: "NodeSelectorAccepted", Status: metav1.ConditionFalse, Reason: "NamespaceNotAllowed"}}
	wantErrors(t, ValidateResourcePool(p))
	p.Status.ResourceCount = -1
	p.Status.Conditions = append(p.Status.Conditions, metav1.Condition{Type: "NodeSelectorAccepted", Status: "Perhaps"}, metav1.Condition{Status: metav1.ConditionTrue})
	wantErrors(t, ValidateResourcePoolStatus(&p.Status), "status.resourceCount", "status.conditions[1].type",
		"status.conditions[1].status", "status.conditions[2].type")
}

func TestDeploymentManagerSupportedLocationsBounded(t *testing.T) {
	dm := &o2ims.DeploymentManager{ObjectMeta: meta("k8s"), Spec: o2ims.DeploymentManagerSpec{
		DeploymentManagerID: id1, Name: "k8s", ServiceURI: "https://k8s.example.net"}}
	for i := range maxSupportedLocations {
		dm.Spec.SupportedLocations = append(dm.Spec.SupportedLocations, "loc-"+strconv.Itoa(i))
	}
	wantErrors(t, ValidateDeploymentManager(dm))
	dm.Spec.SupportedLocations = append(dm.Spec.SupportedLocations, "one-too-many")
	wantErrors(t, ValidateDeploymentManager(dm), "spec.supportedLocations")
}

func TestResourceType(t *testing.T) {
	rt := &o2ims.ResourceType{ObjectMeta: meta("medium"), Spec: o2ims.ResourceTypeSpec{
		ResourceTypeID: id2, Name: "medium", ResourceKind: o2ims.ResourceKindPhysical, ResourceClass: o2ims.ResourceClassCompute,
	}}
	wantErrors(t, ValidateResourceType(rt))
	rt.Spec.ResourceKind = "SQUISHY"
	rt.Spec.ResourceClass = ""
	rt.Spec.Name = ""
	rt.Spec.AlarmDictionaryID = "dict"
	wantErrors(t, ValidateResourceType(rt), "spec.resourceKind", "spec.resourceClass", "spec.name", "spec.alarmDictionaryId")
}

func TestLocationCoordinates(t *testing.T) {
	loc := &o2ims.Location{ObjectMeta: meta("tor"), Spec: o2ims.LocationSpec{
		GlobalLocationID: "CA-ON-TOR", Name: "Toronto",
		Coordinate:   &o2ims.GeoPoint{Type: "Point", Coordinates: []float64{-79.38, 43.65, 76}},
		CivicAddress: []o2ims.CivicAddressElement{{CAType: 1, CAValue: "CA"}},
	}}
	wantErrors(t, ValidateLocation(loc))
	loc.Spec.Coordinate = &o2ims.GeoPoint{Type: "Polygon", Coordinates: []float64{200, -91}}
	loc.Spec.CivicAddress = []o2ims.CivicAddressElement{{CAType: 256, CAValue: ""}}
	wantErrors(t, ValidateLocation(loc), "spec.coordinate.type", "spec.coordinate.coordinates[0]",
		"spec.coordinate.coordinates[1]", "spec.civicAddress[0].caType", "spec.civicAddress[0].caValue")
	loc.Spec.Coordinate = &o2ims.GeoPoint{Type: "Point", Coordinates: []float64{1}}
	loc.Spec.CivicAddress = nil
	wantErrors(t, ValidateLocation(loc), "spec.coordinate.coordinates")
}

func TestSubscriptionCallback(t *testing.T) {
	for _, tc := range []struct {
		callback string
		ok       bool
	}{
		{"https://smo.example.net/notify", true},
		{"http://10.0.0.1:8080/cb", true},
		{"ftp://smo.example.net/cb", false},
		{"/relative/path", false},
		{"https://", false},
		{"", false},
		{"https://smo.example.net/" + strings.Repeat("a", maxURILength), false},
	} {
		s := &o2ims.InventorySubscription{ObjectMeta: meta("sub"), Spec: o2ims.InventorySubscriptionSpec{SubscriptionID: id1, Callback: tc.callback}}
		errs := ValidateInventorySubscription(s)
		if ok := len(errs) == 0; ok != tc.ok {
			t.Errorf("callback %.40q: valid=%v, want %v (%v)", tc.callback, ok, tc.ok, errs)
		}
	}
}

func TestOCloudSingleton(t *testing.T) {
	oc := &o2ims.OCloud{ObjectMeta: metav1.ObjectMeta{Name: OCloudSingletonName}, Spec: o2ims.OCloudSpec{OCloudID: id1, Name: "edge"}}
	wantErrors(t, ValidateOCloud(oc))
	oc.Name = "other"
	oc.Spec.ServiceURI = "not a uri"
	wantErrors(t, ValidateOCloud(oc), "metadata.name", "spec.serviceUri")
}

func TestUUIDAndImmutable(t *testing.T) {
	for s, ok := range map[string]bool{id1: true, strings.ToUpper(id1): true, "39c85e74-2e98-4e3d-8fec-e5a849d967c": false,
		"39c85e74x2e98-4e3d-8fec-e5a849d967c6": false, "g9c85e74-2e98-4e3d-8fec-e5a849d967c6": false} {
		if got := len(ValidateUUID(s, field.NewPath("id"))) == 0; got != ok {
			t.Errorf("ValidateUUID(%q) ok=%v, want %v", s, got, ok)
		}
	}
	if len(ValidateImmutable(id1, id1, field.NewPath("id"))) != 0 || len(ValidateImmutable(id1, id2, field.NewPath("id"))) != 1 {
		t.Error("ValidateImmutable must accept equal values and reject a change")
	}
}
