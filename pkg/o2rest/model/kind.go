package model

import (
	dmsv1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// Kind names an O2-IMS data type by the name of its OpenAPI schema, so a Kind can be used
// directly as the schema name when validating.
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
	// KindAlarmDictionary is served by the inventory API (alarmDictionaries; a v1 ResourceType
	// also embeds its dictionary).
	KindAlarmDictionary Kind = "AlarmDictionary"
)

// The monitoring data types.
const (
	KindAlarmEventRecord          Kind = "AlarmEventRecord"
	KindAlarmSubscription         Kind = "AlarmSubscriptionInfo"
	KindAlarmServiceConfiguration Kind = "AlarmServiceConfiguration"
	// KindTaskOperation is an alarm purge task (spec v10 TaskOperationInfo).
	KindTaskOperation Kind = "TaskOperationInfo"
)

// The provisioning and artifacts data types (APIs o2ims-infrastructureProvisioning and
// o2ims-infrastructureArtifacts, major version 1 only).
const (
	// KindProvisioningRequest is a ProvisioningRequest, served as ProvisioningRequestInfo.
	KindProvisioningRequest Kind = "ProvisioningRequestInfo"
	// KindManagedInfrastructureTemplate is a ManagedInfrastructureTemplate.
	KindManagedInfrastructureTemplate Kind = "ManagedInfrastructureTemplate"
	// KindProvisioningSubscription is a ProvisioningRequestSubscription (beyond the spec; its
	// schema is netweave's, with the inventory Subscription's attributes).
	KindProvisioningSubscription Kind = "ProvisioningRequestSubscription"
)

// KindNfDeployment is an O2-DMS deployment, the o2dms.oran.org NfDeployment: notified to
// NfDeploymentSubscriptions (NfDeploymentChangeNotification, pkg/notify), not served by the
// O2-IMS REST face, so not among Kinds.
const KindNfDeployment Kind = "NfDeployment"

// Group is the API group the kind is stored in: o2dms.oran.org for KindNfDeployment,
// o2ims.oran.org for every other.
func (k Kind) Group() string {
	if k == KindNfDeployment {
		return dmsv1alpha1.GroupName
	}
	return v1alpha1.GroupName
}

// Kinds returns every O2 kind, in a fixed order: the one list the REST face, its informers and
// these tests are built from.
func Kinds() []Kind {
	return []Kind{
		KindOCloudInfo, KindResourceType, KindResourcePool, KindResource,
		KindDeploymentManager, KindSubscription, KindLocationInfo, KindOCloudSiteInfo,
		KindAlarmDictionary, KindAlarmEventRecord, KindAlarmSubscription,
		KindAlarmServiceConfiguration, KindTaskOperation,
		KindProvisioningRequest, KindManagedInfrastructureTemplate, KindProvisioningSubscription,
	}
}

// APIName is the apiName segment of the URIs the kind is served under.
func (k Kind) APIName() string {
	switch k {
	case KindAlarmEventRecord, KindAlarmSubscription, KindAlarmServiceConfiguration, KindTaskOperation:
		return MonitoringAPIName
	case KindProvisioningRequest, KindProvisioningSubscription:
		return ProvisioningAPIName
	case KindManagedInfrastructureTemplate:
		return ArtifactsAPIName
	}
	return APIName
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
	case KindAlarmSubscription:
		return "AlarmSubscription"
	case KindTaskOperation:
		return "AlarmPurge"
	case KindProvisioningRequest:
		return "ProvisioningRequest"
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
	case KindAlarmDictionary:
		return "alarmdictionaries"
	case KindAlarmEventRecord:
		return "alarmeventrecords"
	case KindAlarmSubscription:
		return "alarmsubscriptions"
	case KindAlarmServiceConfiguration:
		return "alarmserviceconfigurations"
	case KindTaskOperation:
		return "alarmpurges"
	case KindNfDeployment:
		return "nfdeployments"
	case KindProvisioningRequest:
		return "provisioningrequests"
	case KindManagedInfrastructureTemplate:
		return "managedinfrastructuretemplates"
	case KindProvisioningSubscription:
		return "provisioningrequestsubscriptions"
	}
	return ""
}

// Notified reports whether changes of the kind are notified: the inventory kinds by
// InventoryChangeNotifications (not subscriptions, nor the alarm dictionaries, which a
// ResourceType's notification carries), alarm records by AlarmEventNotifications,
// NfDeployments by NfDeploymentChangeNotifications, ProvisioningRequests by
// ProvisioningRequestChangeNotifications.
func (k Kind) Notified() bool {
	switch k {
	case KindOCloudInfo, KindResourceType, KindResourcePool, KindResource, KindDeploymentManager,
		KindLocationInfo, KindOCloudSiteInfo, KindAlarmEventRecord, KindNfDeployment, KindProvisioningRequest:
		return true
	}
	return false
}

// Supports reports whether the kind exists in the major version of its API: locations and
// O-Cloud sites only exist from inventory spec 11 (version 2) on, and purge tasks from
// monitoring spec v10 (version 2) on. Alarm dictionaries are served by both inventory versions
// (the v1 contract has alarmDictionaries and resourceTypes/{id}/alarmDictionary besides the
// dictionary a v1 resource type embeds). The provisioning and artifacts APIs have a version 1 only.
func Supports(kind Kind, version int) bool {
	switch kind {
	case KindProvisioningRequest, KindManagedInfrastructureTemplate, KindProvisioningSubscription:
		return version == Version1
	}
	switch version {
	case Version1:
		switch kind {
		case KindLocationInfo, KindOCloudSiteInfo, KindTaskOperation:
			return false
		}
		return kind.known()
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
