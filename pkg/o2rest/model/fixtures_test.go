package model_test

import (
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// ext builds Extensions from raw JSON texts.
func ext(kv ...string) v1alpha1.Extensions {
	out := v1alpha1.Extensions{}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = v1alpha1.JSON{Raw: []byte(kv[i+1])}
	}
	return out
}

// richExtensions has every kind of JSON value, including ones the scalar fast path must leave
// to encoding/json.
func richExtensions() v1alpha1.Extensions {
	return ext(
		"country", `"ES"`,
		"escaped", `"a\"b\u00e9"`,
		"count", `4`,
		"ratio", `-1.5e3`,
		"on", `true`,
		"off", `false`,
		"none", `null`,
		"labels", `{"zone":"a","nested":{"k":[1,"two",null]}}`,
		"list", `[1,2,3]`,
	)
}

const (
	idOCloud   = "262c8f17-52b5-4614-9e56-812ae21fa8a7"
	idGlobal   = "8c1c151d-2899-4c96-b76f-4fe92064b57b"
	idType     = "dac5c740-3470-4a6f-ac89-a2770199f682"
	idType2    = "56337d0e-8bee-47d3-afcb-3c621cffa2b7"
	idPool     = "d3b27e14-4589-4d93-ae76-ddca559193ea"
	idSite     = "7fd364a0-6d82-4e0c-a418-5c1a2f8b9c3e"
	idLocation = "3b1e4f5a-6c7d-4e8f-9a0b-1c2d3e4f5a6b"
	idResource = "39c85e74-2e98-4e3d-8fec-e5a849d967c6"
	idElement  = "b6f67c72-8915-474b-b369-6198ea1f7b6f"
	idDM       = "65221564-8b05-416a-bfc3-c250bc64e1aa"
	idSub      = "69253c4b-8398-4602-855d-783865f5f25c"
	idConsumer = "16d5fc54-cee0-4532-9826-2369f8240e1b"
	idAlarmDic = "b2f8c7a1-3d4e-4f6a-8b8c-9d0e1f2a3b4c"
)

func fullOCloud() *v1alpha1.OCloud {
	return &v1alpha1.OCloud{Spec: v1alpha1.OCloudSpec{
		OCloudID: idOCloud, GlobalCloudID: idGlobal, Name: "cloud", Description: "the cloud",
		ServiceURI: "https://stored.example.com", Extensions: richExtensions(),
	}}
}

func fullResourceType() *v1alpha1.ResourceType {
	return &v1alpha1.ResourceType{Spec: v1alpha1.ResourceTypeSpec{
		ResourceTypeID: idType, Name: "medium", Description: "a node flavour", Vendor: "ACME",
		Model: "X-1000", Version: "v2", ResourceKind: v1alpha1.ResourceKindPhysical,
		ResourceClass: v1alpha1.ResourceClassCompute, AlarmDictionaryID: idAlarmDic,
		Extensions: richExtensions(),
	}}
}

func fullResourcePool() *v1alpha1.ResourcePool {
	return &v1alpha1.ResourcePool{
		Spec: v1alpha1.ResourcePoolSpec{
			ResourcePoolID: idPool, Name: "pool", Description: "compute", OCloudID: idOCloud,
			GlobalLocationID: idLocation, Location: "EU", OCloudSiteID: idSite,
			Extensions: richExtensions(),
		},
		Status: v1alpha1.ResourcePoolStatus{ResourceCount: 3},
	}
}

func fullResource() *v1alpha1.O2Resource {
	return &v1alpha1.O2Resource{
		Spec: v1alpha1.ResourceSpec{
			ResourceID: idResource, ResourcePoolID: idPool, ResourceTypeID: idType,
			GlobalAssetID: "SN-1234", Description: "node-1",
			Elements: []v1alpha1.ResourceElement{
				{
					ResourceID: idElement, ResourceTypeID: idType2, GlobalAssetID: "NIC-1",
					Description: "nic", Tags: []string{"fast"}, Groups: []string{"g"},
					Extensions: ext("speed", `"100G"`, "ports", `2`),
				},
				{Description: "anonymous element"},
			},
			Tags: []string{"edge", "gpu"}, Groups: []string{"rack-1"},
			Extensions: richExtensions(),
		},
		Status: v1alpha1.ResourceStatus{OperationalState: v1alpha1.OperationalStateEnabled},
	}
}

func fullDeploymentManager() *v1alpha1.DeploymentManager {
	return &v1alpha1.DeploymentManager{Spec: v1alpha1.DeploymentManagerSpec{
		DeploymentManagerID: idDM, Name: "cluster", Description: "k8s", OCloudID: idOCloud,
		ServiceURI: "https://my.cluster:6443", SupportedLocations: []string{"loc-1", "loc-2"},
		Capabilities: ext("profiles", `["native_k8sapi"]`, "name", `"k8s"`, "ha", `true`),
		Capacity:     ext("cpu", `128`, "memory", `"512Gi"`, "detail", `{"allocated":{"cpu":8}}`, "gone", `null`),
		Extensions:   richExtensions(),
	}}
}

func fullSubscription() *v1alpha1.InventorySubscription {
	return &v1alpha1.InventorySubscription{Spec: v1alpha1.InventorySubscriptionSpec{
		SubscriptionID: idSub, ConsumerSubscriptionID: idConsumer,
		Filter:   "(eq,resourcePoolId,d3b27e14-4589-4d93-ae76-ddca559193ea)",
		Callback: "https://smo.example.com/v1/o2ims_inventory_observer",
	}}
}

func fullLocation() *v1alpha1.Location {
	return &v1alpha1.Location{Spec: v1alpha1.LocationSpec{
		GlobalLocationID: "location-1", Name: "HQ", Description: "head quarters",
		Coordinate:   &v1alpha1.GeoPoint{Type: "Point", Coordinates: []float64{-77.0364, 38.8951, 100.5}},
		CivicAddress: []v1alpha1.CivicAddressElement{{CAType: 1, CAValue: "CA"}, {CAType: 6, CAValue: "Toronto"}},
		Address:      "200 Bay Street", Extensions: richExtensions(),
	}}
}

func fullOCloudSite() *v1alpha1.OCloudSite {
	return &v1alpha1.OCloudSite{Spec: v1alpha1.OCloudSiteSpec{
		OCloudSiteID: idSite, GlobalLocationID: "location-1", Name: "site", Description: "site 1",
		Extensions: richExtensions(),
	}}
}

// The minimal objects set only what the Kubernetes API requires (no ids, which the server
// defaults, no optional fields), so every "unset" rendering is exercised.
func minOCloud() *v1alpha1.OCloud { return &v1alpha1.OCloud{Spec: v1alpha1.OCloudSpec{Name: "c"}} }
func minResourceType() *v1alpha1.ResourceType {
	return &v1alpha1.ResourceType{Spec: v1alpha1.ResourceTypeSpec{Name: "t"}}
}
func minResourcePool() *v1alpha1.ResourcePool {
	return &v1alpha1.ResourcePool{Spec: v1alpha1.ResourcePoolSpec{Name: "p"}}
}
func minResource() *v1alpha1.O2Resource {
	return &v1alpha1.O2Resource{Spec: v1alpha1.ResourceSpec{ResourcePoolID: idPool, ResourceTypeID: idType}}
}
func minDeploymentManager() *v1alpha1.DeploymentManager {
	return &v1alpha1.DeploymentManager{Spec: v1alpha1.DeploymentManagerSpec{Name: "d", ServiceURI: "https://c:6443"}}
}
func minSubscription() *v1alpha1.InventorySubscription {
	return &v1alpha1.InventorySubscription{Spec: v1alpha1.InventorySubscriptionSpec{Callback: "https://smo/cb"}}
}
func minLocation() *v1alpha1.Location {
	return &v1alpha1.Location{Spec: v1alpha1.LocationSpec{Name: "l", Address: "somewhere"}}
}
func minOCloudSite() *v1alpha1.OCloudSite {
	return &v1alpha1.OCloudSite{Spec: v1alpha1.OCloudSiteSpec{GlobalLocationID: "location-1", Name: "s"}}
}

// mapped is one document produced by the mapping, with what it was made from.
type mapped struct {
	name    string
	kind    model.Kind
	version int
	doc     map[string]any
}

// allMapped maps the full and the minimal object of every kind in every version it exists in.
func allMapped() []mapped {
	const endpoint = "https://o2ims.example.com"
	siteIDs := []string{idSite}
	poolIDs := []string{idPool}
	var out []mapped
	add := func(name string, kind model.Kind, version int, doc map[string]any) {
		out = append(out, mapped{name, kind, version, doc})
	}
	for _, c := range []struct {
		name   string
		oc     *v1alpha1.OCloud
		rt     *v1alpha1.ResourceType
		rp     *v1alpha1.ResourcePool
		r      *v1alpha1.O2Resource
		dm     *v1alpha1.DeploymentManager
		sub    *v1alpha1.InventorySubscription
		loc    *v1alpha1.Location
		site   *v1alpha1.OCloudSite
		derive []string
	}{
		{"full", fullOCloud(), fullResourceType(), fullResourcePool(), fullResource(), fullDeploymentManager(), fullSubscription(), fullLocation(), fullOCloudSite(), nil},
		{"minimal", minOCloud(), minResourceType(), minResourcePool(), minResource(), minDeploymentManager(), minSubscription(), minLocation(), minOCloudSite(), nil},
	} {
		add(c.name, model.KindOCloudInfo, 1, model.OCloudInfoV1(c.oc, endpoint))
		add(c.name, model.KindOCloudInfo, 2, model.OCloudInfoV2(c.oc, endpoint))
		add(c.name, model.KindResourceType, 1, model.ResourceTypeV1(c.rt))
		add(c.name, model.KindResourceType, 2, model.ResourceTypeV2(c.rt))
		add(c.name, model.KindResourcePool, 1, model.ResourcePoolV1(c.rp))
		add(c.name, model.KindResourcePool, 2, model.ResourcePoolV2(c.rp))
		add(c.name, model.KindResource, 1, model.ResourceV1(c.r))
		add(c.name, model.KindResource, 2, model.ResourceV2(c.r))
		add(c.name, model.KindDeploymentManager, 1, model.DeploymentManagerV1(c.dm))
		add(c.name, model.KindDeploymentManager, 2, model.DeploymentManagerV2(c.dm))
		add(c.name, model.KindSubscription, 1, model.SubscriptionV1(c.sub))
		add(c.name, model.KindSubscription, 2, model.SubscriptionV2(c.sub))
		if c.name == "full" {
			add(c.name, model.KindLocationInfo, 2, model.LocationInfoV2(c.loc, siteIDs))
			add(c.name, model.KindOCloudSiteInfo, 2, model.OCloudSiteInfoV2(c.site, poolIDs))
		} else {
			add(c.name, model.KindLocationInfo, 2, model.LocationInfoV2(c.loc, nil))
			add(c.name, model.KindOCloudSiteInfo, 2, model.OCloudSiteInfoV2(c.site, nil))
		}
	}
	return append(append(out, alarmMapped()...), provisioningMapped()...)
}
