package notify

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"

	dmsv1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// Related returns what a document needs from other objects: the oCloudSiteIds at a location
// and the resourcePoolIds in a site, from objects in the same namespace, and the O-Cloud's
// globalCloudId that alarm notifications carry.
type Related interface {
	SitesAt(namespace, globalLocationID string) []string
	PoolsIn(namespace, oCloudSiteID string) []string
	GlobalCloudID() string
}

// noRelated is a Related that knows nothing.
type noRelated struct{}

func (noRelated) SitesAt(string, string) []string { return nil }
func (noRelated) PoolsIn(string, string) []string { return nil }
func (noRelated) GlobalCloudID() string           { return "" }

// KindOf returns the O2 kind of a stored object.
func KindOf(obj runtime.Object) (model.Kind, bool) {
	switch obj.(type) {
	case *v1alpha1.OCloud:
		return model.KindOCloudInfo, true
	case *v1alpha1.ResourceType:
		return model.KindResourceType, true
	case *v1alpha1.ResourcePool:
		return model.KindResourcePool, true
	case *v1alpha1.O2Resource:
		return model.KindResource, true
	case *v1alpha1.DeploymentManager:
		return model.KindDeploymentManager, true
	case *v1alpha1.Location:
		return model.KindLocationInfo, true
	case *v1alpha1.OCloudSite:
		return model.KindOCloudSiteInfo, true
	case *v1alpha1.AlarmEventRecord:
		return model.KindAlarmEventRecord, true
	case *dmsv1alpha1.NfDeployment:
		return model.KindNfDeployment, true
	case *v1alpha1.ProvisioningRequest:
		return model.KindProvisioningRequest, true
	}
	return "", false
}

// Document renders obj as the redacted O2 document of the inventory major version. The
// OCloud's serviceUri is left as stored.
func Document(obj runtime.Object, version int, rel Related) (map[string]any, error) {
	if rel == nil {
		rel = noRelated{}
	}
	v2 := version == model.Version2
	var doc map[string]any
	switch o := obj.(type) {
	case *v1alpha1.OCloud:
		if v2 {
			doc = model.OCloudInfoV2(o, "")
		} else {
			doc = model.OCloudInfoV1(o, "")
		}
	case *v1alpha1.ResourceType:
		if v2 {
			doc = model.ResourceTypeV2(o)
		} else {
			doc = model.ResourceTypeV1(o)
		}
	case *v1alpha1.ResourcePool:
		if v2 {
			doc = model.ResourcePoolV2(o)
		} else {
			doc = model.ResourcePoolV1(o)
		}
	case *v1alpha1.O2Resource:
		if v2 {
			doc = model.ResourceV2(o)
		} else {
			doc = model.ResourceV1(o)
		}
	case *v1alpha1.DeploymentManager:
		if v2 {
			doc = model.DeploymentManagerV2(o)
		} else {
			doc = model.DeploymentManagerV1(o)
		}
	case *v1alpha1.Location:
		if !v2 {
			return nil, fmt.Errorf("locations do not exist in inventory version %d", version)
		}
		doc = model.LocationInfoV2(o, rel.SitesAt(o.Namespace, o.Spec.GlobalLocationID))
	case *v1alpha1.OCloudSite:
		if !v2 {
			return nil, fmt.Errorf("O-Cloud sites do not exist in inventory version %d", version)
		}
		doc = model.OCloudSiteInfoV2(o, rel.PoolsIn(o.Namespace, o.Spec.OCloudSiteID))
	default:
		return nil, fmt.Errorf("no O2 document for %T", obj)
	}
	doc, _ = model.Redact(doc)
	return doc, nil
}

// ObjectRef is the path of the object under the apiRoot, e.g.
// /o2ims-infrastructureInventory/v1/resourcePools/{id}.
func ObjectRef(obj runtime.Object, version int) string {
	base := fmt.Sprintf("/%s/v%d", model.APIName, version)
	switch o := obj.(type) {
	case *v1alpha1.OCloud:
		return base
	case *v1alpha1.ResourceType:
		return base + "/resourceTypes/" + orNil(o.Spec.ResourceTypeID)
	case *v1alpha1.ResourcePool:
		return base + "/resourcePools/" + orNil(o.Spec.ResourcePoolID)
	case *v1alpha1.O2Resource:
		return base + "/resourcePools/" + orNil(o.Spec.ResourcePoolID) + "/resources/" + orNil(o.Spec.ResourceID)
	case *v1alpha1.DeploymentManager:
		return base + "/deploymentManagers/" + orNil(o.Spec.DeploymentManagerID)
	case *v1alpha1.Location:
		return base + "/locations/" + o.Spec.GlobalLocationID
	case *v1alpha1.OCloudSite:
		return base + "/oCloudSites/" + orNil(o.Spec.OCloudSiteID)
	}
	return base
}

func orNil(id string) string {
	if id == "" {
		return model.NilUUID
	}
	return id
}
