package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

// OCloudSiteInfoV2 is an OCloudSiteInfo (spec 11 only). resourcePoolIDs are the
// resourcePoolIds of the pools in this site, which the caller derives from the ResourcePool
// objects.
func OCloudSiteInfoV2(s *v1alpha1.OCloudSite, resourcePoolIDs []string) map[string]any {
	return map[string]any{
		"oCloudSiteId":     uuidOrNil(s.Spec.OCloudSiteID),
		"globalLocationId": s.Spec.GlobalLocationID,
		"name":             s.Spec.Name,
		"description":      s.Spec.Description,
		"resourcePools":    stringList(resourcePoolIDs),
		"extensions":       extensionsObject(s.Spec.Extensions),
	}
}
