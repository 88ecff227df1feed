package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

// OCloudInfoV1 is the body of GET .../v1 (OCloudInfo, spec 7).
//
// The v1 schema names the SMO's id globalcloudId (lower-case c), which the compliance suite
// requires, while v2 and the information model say globalCloudId. The v1 schema does not
// forbid additional properties, so v1 carries both names with the same value (as pti-o2 does):
// the compliance suite is satisfied and clients written against the corrected name work too.
//
// serviceURI is the configured apiRoot of this gateway; it wins over spec.serviceUri, because
// the compliance suite checks serviceUri equals the endpoint it talks to. When it is "",
// spec.serviceUri is used.
func OCloudInfoV1(o *v1alpha1.OCloud, serviceURI string) map[string]any {
	globalID := uuidOrNil(o.Spec.GlobalCloudID)
	return map[string]any{
		"oCloudId":      uuidOrNil(o.Spec.OCloudID),
		"globalcloudId": globalID,
		"globalCloudId": globalID,
		"name":          o.Spec.Name,
		"description":   o.Spec.Description,
		"serviceUri":    oCloudServiceURI(o, serviceURI),
		"extensions":    extensionsObject(o.Spec.Extensions),
	}
}

// OCloudInfoV2 is the body of GET .../v2 (OCloudInfo, spec 11); see OCloudInfoV1 for
// serviceURI.
func OCloudInfoV2(o *v1alpha1.OCloud, serviceURI string) map[string]any {
	return map[string]any{
		"oCloudId":      uuidOrNil(o.Spec.OCloudID),
		"globalCloudId": uuidOrNil(o.Spec.GlobalCloudID),
		"name":          o.Spec.Name,
		"description":   o.Spec.Description,
		"serviceUri":    oCloudServiceURI(o, serviceURI),
		"extensions":    extensionsObject(o.Spec.Extensions),
	}
}

func oCloudServiceURI(o *v1alpha1.OCloud, configured string) string {
	if configured != "" {
		return configured
	}
	return o.Spec.ServiceURI
}
