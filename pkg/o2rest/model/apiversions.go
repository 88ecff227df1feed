package model

import "strconv"

// APIVersion is one entry of APIVersions.
type APIVersion struct {
	Version string `json:"version"`
}

// APIVersions is the body of GET {apiRoot}/{apiName}/api_versions and
// GET {apiRoot}/{apiName}/v{N}/api_versions (common schema APIVersions).
type APIVersions struct {
	// URIPrefix follows ETSI SOL013 and pti-o2: the apiRoot is part of it, so a tenant's
	// apiRoot yields the tenant's prefix.
	URIPrefix   string       `json:"uriPrefix"`
	APIVersions []APIVersion `json:"apiVersions"`
}

// APIVersionsOf is the body of {apiRoot}/{apiName}/api_versions: every served version, under
// the prefix {apiRoot}/{apiName}. apiRoot has no trailing slash ("" for the root of the host).
// The inventory and monitoring APIs serve the same major versions; provisioning and artifacts
// only version 1.
func APIVersionsOf(apiName, apiRoot string) APIVersions {
	out := APIVersions{URIPrefix: apiRoot + "/" + apiName}
	for _, major := range Versions() {
		if v := APIVersionString(apiName, major); v != "" {
			out.APIVersions = append(out.APIVersions, APIVersion{Version: v})
		}
	}
	return out
}

// MajorAPIVersions is the body of {apiRoot}/{apiName}/v{major}/api_versions: the versions of
// that major version. ok is false for a major version we do not serve (the route answers 404
// then).
func MajorAPIVersions(apiName, apiRoot string, major int) (versions APIVersions, ok bool) {
	v := APIVersionString(apiName, major)
	if v == "" {
		return APIVersions{}, false
	}
	return APIVersions{
		URIPrefix:   apiRoot + "/" + apiName + "/v" + strconv.Itoa(major),
		APIVersions: []APIVersion{{Version: v}},
	}, true
}
