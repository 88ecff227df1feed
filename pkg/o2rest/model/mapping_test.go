package model_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func TestOCloudInfo(t *testing.T) {
	oc := fullOCloud()
	v1 := model.OCloudInfoV1(oc, "https://gw.example.com")
	wantEqual(t, "v1 globalcloudId", v1["globalcloudId"], idGlobal)
	wantEqual(t, "v1 globalCloudId", v1["globalCloudId"], idGlobal)
	wantEqual(t, "v1 serviceUri", v1["serviceUri"], "https://gw.example.com")
	v2 := model.OCloudInfoV2(oc, "https://gw.example.com")
	if _, ok := v2["globalcloudId"]; ok {
		t.Error("v2 must not carry the v1 spelling globalcloudId")
	}
	wantEqual(t, "v2 globalCloudId", v2["globalCloudId"], idGlobal)
	wantEqual(t, "v2 serviceUri", v2["serviceUri"], "https://gw.example.com")
	// Without a configured endpoint the stored one is shown.
	wantEqual(t, "fallback serviceUri", model.OCloudInfoV2(oc, "")["serviceUri"], "https://stored.example.com")

	m := model.OCloudInfoV1(minOCloud(), "https://gw")
	wantEqual(t, "unset oCloudId", m["oCloudId"], model.NilUUID)
	wantEqual(t, "unset globalcloudId", m["globalcloudId"], model.NilUUID)
	wantEqual(t, "unset description", m["description"], "")
	wantEqual(t, "unset extensions", m["extensions"], map[string]any{})
}

func TestExtensionValues(t *testing.T) {
	got := model.ResourcePoolV2(fullResourcePool())["extensions"]
	want := map[string]any{
		"country": "ES",
		"escaped": "a\"b\u00e9",
		"count":   json.Number("4"),
		"ratio":   json.Number("-1.5e3"), // as stored: numbers are not rounded through float64
		"on":      true,
		"off":     false,
		"labels":  map[string]any{"zone": "a", "nested": map[string]any{"k": []any{json.Number("1"), "two", nil}}},
		"list":    []any{json.Number("1"), json.Number("2"), json.Number("3")},
		// "none" (null) is left out.
	}
	wantEqual(t, "extensions", got, want)

	odd := &v1alpha1.ResourcePool{Spec: v1alpha1.ResourcePoolSpec{Extensions: ext(
		"bad", `{not json`, "spaced", ` "x" `, "empty", ``, "nul", " null ", "ctl", "\"a\\tb\"",
		"utf8", "\"\xff\"",
	)}}
	wantEqual(t, "odd extensions", model.ResourcePoolV1(odd)["extensions"], map[string]any{
		"bad": "{not json", "spaced": "x", "ctl": "a\tb", "utf8": "\ufffd",
	})
}

func TestResourceTypeVersions(t *testing.T) {
	rt := fullResourceType()
	v1 := model.ResourceTypeV1(rt)
	for _, absent := range []string{"alarmDictionaryId", "alarmDictionary"} {
		if _, ok := v1[absent]; ok {
			t.Errorf("v1 has %s", absent)
		}
	}
	wantEqual(t, "v2 alarmDictionaryId", model.ResourceTypeV2(rt)["alarmDictionaryId"], idAlarmDic)
	wantEqual(t, "resourceKind", v1["resourceKind"], "PHYSICAL")

	m := model.ResourceTypeV2(minResourceType())
	wantEqual(t, "undefaulted resourceKind", m["resourceKind"], "UNDEFINED")
	wantEqual(t, "undefaulted resourceClass", m["resourceClass"], "UNDEFINED")
	if _, ok := m["alarmDictionaryId"]; ok {
		t.Error("unset alarmDictionaryId is shown")
	}
}

func TestResourcePoolVersions(t *testing.T) {
	p := fullResourcePool()
	wantEqual(t, "v1", model.ResourcePoolV1(p), map[string]any{
		"resourcePoolId": idPool, "name": "pool", "description": "compute", "oCloudId": idOCloud,
		"globalLocationId": idLocation, "location": "EU",
		"extensions": model.ResourcePoolV1(p)["extensions"],
	})
	v2 := model.ResourcePoolV2(p)
	wantEqual(t, "v2 oCloudSiteId", v2["oCloudSiteId"], idSite)
	for _, absent := range []string{"oCloudId", "globalLocationId", "location"} {
		if _, ok := v2[absent]; ok {
			t.Errorf("v2 has %s", absent)
		}
	}
	// The compliance suite's all_fields schema requires location, so an unset one is "".
	if loc, ok := model.ResourcePoolV1(minResourcePool())["location"]; !ok || loc != "" {
		t.Errorf("unset location is %v (present %v), want \"\"", loc, ok)
	}
}

func TestResourceElements(t *testing.T) {
	m := model.ResourceV2(fullResource())
	elements := m["elements"].([]any)
	if len(elements) != 2 {
		t.Fatalf("elements = %v", elements)
	}
	wantEqual(t, "element 0", elements[0], map[string]any{
		"resourceId": idElement, "resourcePoolId": idPool, "resourceTypeId": idType2,
		"globalAssetId": "NIC-1", "description": "nic", "elements": []any{},
		"tags": []any{"fast"}, "groups": []any{"g"},
		"extensions": map[string]any{"speed": "100G", "ports": json.Number("2")},
	})
	wantEqual(t, "element 1", elements[1], map[string]any{
		"resourceId": model.NilUUID, "resourcePoolId": idPool, "resourceTypeId": model.NilUUID,
		"globalAssetId": "", "description": "anonymous element", "elements": []any{},
		"tags": []any{}, "groups": []any{}, "extensions": map[string]any{},
	})
	wantEqual(t, "tags", m["tags"], []any{"edge", "gpu"})

	min := model.ResourceV1(minResource())
	for _, name := range []string{"elements", "tags", "groups"} {
		wantEqual(t, "unset "+name, min[name], []any{})
	}
	wantEqual(t, "unset extensions", min["extensions"], map[string]any{})
}

func TestDeploymentManagerVersions(t *testing.T) {
	dm := fullDeploymentManager()
	v1 := model.DeploymentManagerV1(dm)
	// v1 declares string values: non-strings are given as JSON text; null is left out.
	wantEqual(t, "v1 capabilities", v1["capabilities"], map[string]any{
		"profiles": `["native_k8sapi"]`, "name": "k8s", "ha": "true",
	})
	wantEqual(t, "v1 capacity", v1["capacity"], map[string]any{
		"cpu": "128", "memory": "512Gi", "detail": `{"allocated":{"cpu":8}}`,
	})
	v2 := model.DeploymentManagerV2(dm)
	wantEqual(t, "v2 capacity", v2["capacity"], map[string]any{
		"cpu": json.Number("128"), "memory": "512Gi", "detail": map[string]any{"allocated": map[string]any{"cpu": json.Number("8")}},
	})
	wantEqual(t, "supportedLocations", v2["supportedLocations"], []any{"loc-1", "loc-2"})

	if _, ok := v2["extensions"].(map[string]any)["operationalState"]; ok {
		t.Errorf("a manager without status shows an operationalState: %v", v2["extensions"])
	}

	min := model.DeploymentManagerV1(minDeploymentManager())
	wantEqual(t, "unset supportedLocations", min["supportedLocations"], []any{})
	wantEqual(t, "unset capabilities", min["capabilities"], map[string]any{})
	wantEqual(t, "unset oCloudId", min["oCloudId"], model.NilUUID)
}

// A member cluster's manager shows its status in extensions, on both versions, beside (and
// over) the operator's extensions.
func TestDeploymentManagerStatus(t *testing.T) {
	dm := minDeploymentManager()
	dm.Spec.Extensions = ext("site", `"edge"`, "operationalState", `"operator's"`)
	dm.Status = v1alpha1.DeploymentManagerStatus{
		OperationalState: v1alpha1.OperationalStateDisabled,
		Conditions: []metav1.Condition{{Type: v1alpha1.DeploymentManagerClusterReachable, Status: metav1.ConditionFalse,
			Reason: v1alpha1.ReasonClusterUnreachable, Message: "connection refused",
			LastTransitionTime: metav1.NewTime(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))}},
	}
	want := map[string]any{
		"site": "edge", "operationalState": "DISABLED",
		"conditions": []any{map[string]any{"type": "ClusterReachable", "status": "False", "reason": "Unreachable",
			"message": "connection refused", "lastTransitionTime": "2026-03-01T12:00:00Z"}},
	}
	wantEqual(t, "v1 extensions", model.DeploymentManagerV1(dm)["extensions"], want)
	wantEqual(t, "v2 extensions", model.DeploymentManagerV2(dm)["extensions"], want)
	if _, changed := model.Redact(model.DeploymentManagerV2(dm)); changed {
		t.Error("the status is redacted as if it were a credential")
	}
}

func TestSubscription(t *testing.T) {
	wantEqual(t, "full", model.SubscriptionV1(fullSubscription()), map[string]any{
		"subscriptionId": idSub, "consumerSubscriptionId": idConsumer,
		"filter":   "(eq,resourcePoolId,d3b27e14-4589-4d93-ae76-ddca559193ea)",
		"callback": "https://smo.example.com/v1/o2ims_inventory_observer",
	})
	wantEqual(t, "minimal", model.SubscriptionV2(minSubscription()), map[string]any{"callback": "https://smo/cb"})
}

func TestLocationAndSite(t *testing.T) {
	l := model.LocationInfoV2(fullLocation(), []string{idSite})
	wantEqual(t, "oCloudSiteIds", l["oCloudSiteIds"], []any{idSite})
	wantEqual(t, "coordinate", l["coordinate"], map[string]any{"type": "Point", "coordinates": []any{-77.0364, 38.8951, 100.5}})
	wantEqual(t, "civicAddress", l["civicAddress"], []any{
		map[string]any{"caType": int64(1), "caValue": "CA"},
		map[string]any{"caType": int64(6), "caValue": "Toronto"},
	})
	min := model.LocationInfoV2(minLocation(), nil)
	wantEqual(t, "derived oCloudSiteIds", min["oCloudSiteIds"], []any{})
	for _, absent := range []string{"coordinate", "civicAddress"} {
		if _, ok := min[absent]; ok {
			t.Errorf("unset %s is shown", absent)
		}
	}
	untyped := minLocation()
	untyped.Spec.Coordinate = &v1alpha1.GeoPoint{Coordinates: []float64{1, 2}}
	wantEqual(t, "untyped point", model.LocationInfoV2(untyped, nil)["coordinate"].(map[string]any)["type"], "Point")

	s := model.OCloudSiteInfoV2(fullOCloudSite(), []string{idPool})
	wantEqual(t, "resourcePools", s["resourcePools"], []any{idPool})
	wantEqual(t, "derived resourcePools", model.OCloudSiteInfoV2(minOCloudSite(), nil)["resourcePools"], []any{})
}

func TestUnknownKindsAndVersions(t *testing.T) {
	for _, c := range []struct {
		kind    model.Kind
		version int
	}{{"Bogus", 1}, {"Bogus", 2}, {model.KindResource, 0}, {model.KindResource, 3}, {model.KindLocationInfo, 1}} {
		if model.Supports(c.kind, c.version) || model.Attributes(c.kind, c.version) != nil ||
			model.FieldSelectors(c.kind, c.version) != nil || model.DefaultAttributes(c.kind, c.version) != nil {
			t.Errorf("%s v%d is described", c.kind, c.version)
		}
	}
}

func TestV1StringValuesOfInvalidJSON(t *testing.T) {
	dm := minDeploymentManager()
	dm.Spec.Capacity = ext("bad", `{cpu`, "badstr", `"open`)
	wantEqual(t, "capacity", model.DeploymentManagerV1(dm)["capacity"], map[string]any{"bad": "{cpu", "badstr": `"open`})
}

// TestRegressionExtensionNumbersExact: extension values were decoded with numbers as float64,
// so an integer past 2^53 (an id, a byte count) was served and notified rounded, and a PATCH of
// the alarm service configuration (which re-encodes the document) stored it rounded.
func TestRegressionExtensionNumbersExact(t *testing.T) {
	p := &v1alpha1.ResourcePool{Spec: v1alpha1.ResourcePoolSpec{Extensions: ext("serial", "12345678901234567", "nested", `{"bytes":18446744073709551615}`)}}
	b, err := json.Marshal(model.ResourcePoolV2(p)["extensions"])
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"nested":{"bytes":18446744073709551615},"serial":12345678901234567}`; string(b) != want {
		t.Errorf("extensions encode as %s, want %s", b, want)
	}
}
