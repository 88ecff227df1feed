package model

// APIName is the apiName segment of the inventory URIs ({apiRoot}/{apiName}/v{N}/...). The spec
// document also spells it O2ims_InfrastructureInventory; implementations and the compliance
// suite use this form.
const APIName = "o2ims-infrastructureInventory"

// MonitoringAPIName is the apiName segment of the monitoring (alarm) URIs. Its major versions
// are numbered and served like the inventory's: 1 is API 1.0.0 (what SMOs and the compliance
// suite call today), 2 is spec v10's API 2.0.0.
const MonitoringAPIName = "o2ims-infrastructureMonitoring"

// ProvisioningAPIName is the apiName of the provisioning URIs (ProvisioningRequests, and
// netweave's provisioning request subscriptions). It has one major version, 1 (API 1.2.0).
const ProvisioningAPIName = "o2ims-infrastructureProvisioning"

// ArtifactsAPIName is the apiName of the artifacts URIs (ManagedInfrastructureTemplates). It
// has one major version, 1 (API 1.0.0).
const ArtifactsAPIName = "o2ims-infrastructureArtifacts"

// The inventory major versions served.
const (
	// Version1 is the spec 7.0 era API (O-RAN SC compliance suite, pti-o2, oran-o2ims before
	// its v11 rework).
	Version1 = 1
	// Version2 is the spec 11 API (oran-o2ims HEAD).
	Version2 = 2
)

// Versions returns the served inventory major versions, oldest first.
func Versions() []int { return []int{Version1, Version2} }

// VersionString is the full version of a major version, as reported by api_versions: the
// info.version of the OpenAPI description we follow for it, which is also what pti-o2 (1.0.0)
// and oran-o2ims (2.0.0) report. It returns "" for a major version we do not serve.
func VersionString(major int) string {
	switch major {
	case Version1:
		return "1.0.0"
	case Version2:
		return "2.0.0"
	default:
		return ""
	}
}

// APIVersionString is the full version of a major version of apiName, as its api_versions
// report it: the info.version of the OpenAPI description followed. The provisioning API (1.2.0)
// and the artifacts API (1.0.0) have only a version 1; the inventory and monitoring APIs are
// VersionString. It returns "" for a major version the API does not have.
func APIVersionString(apiName string, major int) string {
	switch apiName {
	case ProvisioningAPIName:
		if major == Version1 {
			return "1.2.0"
		}
		return ""
	case ArtifactsAPIName:
		if major == Version1 {
			return "1.0.0"
		}
		return ""
	}
	return VersionString(major)
}
