package model

// Kind names an O2-IMS inventory data type by the name of its OpenAPI schema, so a Kind can be
// used directly as the schema name when validating.
type Kind string

// The inventory data types.
const (
	KindOCloudInfo        Kind = "OCloudInfo"
	KindResourceType      Kind = "ResourceType"
	KindResourcePool      Kind = "ResourcePool"
	KindResource          Kind = "Resource"
	KindDeploymentManager Kind = "DeploymentManager"
	KindSubscription      Kind = "Subscription"
	KindLocationInfo      Kind = "LocationInfo"
	KindOCloudSiteInfo    Kind = "OCloudSiteInfo"
)

// Kinds returns every inventory kind, in a fixed order.
func Kinds() []Kind {
	return []Kind{
		KindOCloudInfo, KindResourceType, KindResourcePool, KindResource,
		KindDeploymentManager, KindSubscription, KindLocationInfo, KindOCloudSiteInfo,
	}
}

// KubernetesKind is the o2ims.oran.org kind the O2 kind is stored as (the key of
// v1alpha1.SelectableFields).
func (k Kind) KubernetesKind() string {
	switch k {
	case KindOCloudInfo:
		return "OCloud"
	case KindSubscription:
		return "InventorySubscription"
	case KindLocationInfo:
		return "Location"
	case KindOCloudSiteInfo:
		return "OCloudSite"
	default:
		return string(k)
	}
}

// KubernetesResource is the o2ims.oran.org resource the O2 kind is stored as: what RBAC rules
// name, so what every authorization check of the kind asks about.
func (k Kind) KubernetesResource() string {
	switch k {
	case KindOCloudInfo:
		return "oclouds"
	case KindResourceType:
		return "resourcetypes"
	case KindResourcePool:
		return "resourcepools"
	case KindResource:
		return "resources"
	case KindDeploymentManager:
		return "deploymentmanagers"
	case KindSubscription:
		return "inventorysubscriptions"
	case KindLocationInfo:
		return "locations"
	case KindOCloudSiteInfo:
		return "ocloudsites"
	}
	return ""
}

// Supports reports whether the kind exists in the inventory major version: locations and
// O-Cloud sites only exist from spec 11 (version 2) on.
func Supports(kind Kind, version int) bool {
	switch version {
	case Version1:
		return kind != KindLocationInfo && kind != KindOCloudSiteInfo && kind.known()
	case Version2:
		return kind.known()
	default:
		return false
	}
}

func (k Kind) known() bool {
	for _, known := range Kinds() {
		if k == known {
			return true
		}
	}
	return false
}
