package o2ims

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OCloud describes this O-Cloud: the cluster-scoped singleton behind the O2-IMS root
// (OCloudInfo).
type OCloud struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec OCloudSpec `json:"spec,omitempty"`
	// +optional
	Status OCloudStatus `json:"status,omitempty"`
}

// OCloudStatus is owned by netweave's SMO registration.
type OCloudStatus struct {
	// +optional
	SMORegistration *SMORegistrationStatus `json:"smoRegistration,omitempty"`
	// +optional
	// +patchMergeKey=type
	// +patchStrategy=merge
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// SMORegistrationStatus is the state of the O-Cloud's registration with the SMO.
type SMORegistrationStatus struct {
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
	// +optional
	GlobalCloudID string `json:"globalCloudId,omitempty"`
	// +optional
	OCloudID string `json:"oCloudId,omitempty"`
	// +optional
	IMSEndpoint string `json:"imsEndpoint,omitempty"`
	// +optional
	LastAttemptTime *metav1.Time `json:"lastAttemptTime,omitempty"`
	// +optional
	LastSuccessTime *metav1.Time `json:"lastSuccessTime,omitempty"`
	// +optional
	ConsecutiveFailures int32 `json:"consecutiveFailures,omitempty"`
}

// OCloudSpec holds the OCloudInfo fields of O2-IMS.
type OCloudSpec struct {
	// oCloudId is the O2 identifier (UUID) of the O-Cloud. Defaulted when empty; immutable.
	// +optional
	OCloudID string `json:"oCloudId,omitempty"`
	// globalCloudId is the identifier the SMO assigned to this O-Cloud.
	// +optional
	GlobalCloudID string `json:"globalCloudId,omitempty"`
	// name is the human readable name of the O-Cloud.
	Name string `json:"name"`
	// description is a human readable description of the O-Cloud.
	// +optional
	Description string `json:"description,omitempty"`
	// serviceUri is the apiRoot at which the O2-IMS services of this O-Cloud are reached.
	// +optional
	ServiceURI string `json:"serviceUri,omitempty"`
	// extensions are key-value pairs of additional metadata; values may be any JSON.
	// +optional
	Extensions Extensions `json:"extensions,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OCloudList is a list of OCloud objects.
type OCloudList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []OCloud `json:"items"`
}

// ResourceKind says how physical a resource type is.
type ResourceKind string

// The resourceKind values of O2-IMS.
const (
	ResourceKindUndefined ResourceKind = "UNDEFINED"
	ResourceKindPhysical  ResourceKind = "PHYSICAL"
	ResourceKindLogical   ResourceKind = "LOGICAL"
)

// ResourceClass is the functional role of a resource type.
type ResourceClass string

// The resourceClass values of O2-IMS.
const (
	ResourceClassUndefined  ResourceClass = "UNDEFINED"
	ResourceClassCompute    ResourceClass = "COMPUTE"
	ResourceClassNetworking ResourceClass = "NETWORKING"
	ResourceClassStorage    ResourceClass = "STORAGE"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ResourceType describes a kind of resource the O-Cloud offers (a node flavour, a storage class).
type ResourceType struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ResourceTypeSpec `json:"spec,omitempty"`
}

// ResourceTypeSpec holds the ResourceType fields of O2-IMS.
type ResourceTypeSpec struct {
	// resourceTypeId is the O2 identifier (UUID). Defaulted when empty; immutable.
	// +optional
	ResourceTypeID string `json:"resourceTypeId,omitempty"`
	// name is the human readable name of the resource type.
	Name string `json:"name"`
	// +optional
	Description string `json:"description,omitempty"`
	// vendor is the provider of the resource.
	// +optional
	Vendor string `json:"vendor,omitempty"`
	// model is the model of the resource as its provider defines it.
	// +optional
	Model string `json:"model,omitempty"`
	// version is the version or generation of the resource as its provider defines it.
	// +optional
	Version string `json:"version,omitempty"`
	// resourceKind is UNDEFINED, PHYSICAL or LOGICAL. Defaults to UNDEFINED.
	// +optional
	ResourceKind ResourceKind `json:"resourceKind,omitempty"`
	// resourceClass is UNDEFINED, COMPUTE, NETWORKING or STORAGE. Defaults to UNDEFINED.
	// +optional
	ResourceClass ResourceClass `json:"resourceClass,omitempty"`
	// alarmDictionaryId identifies the alarm dictionary of this resource type.
	// +optional
	AlarmDictionaryID string `json:"alarmDictionaryId,omitempty"`
	// +optional
	Extensions Extensions `json:"extensions,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ResourceTypeList is a list of ResourceType objects.
type ResourceTypeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []ResourceType `json:"items"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ResourcePool is a group of resources at one site (a node pool, a MachineDeployment).
type ResourcePool struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ResourcePoolSpec `json:"spec,omitempty"`
	// +optional
	Status ResourcePoolStatus `json:"status,omitempty"`
}

// ResourcePoolSpec holds the ResourcePool fields of O2-IMS (v1 and v2).
type ResourcePoolSpec struct {
	// resourcePoolId is the O2 identifier (UUID). Defaulted when empty; immutable.
	// +optional
	ResourcePoolID string `json:"resourcePoolId,omitempty"`
	// name is the human readable name of the pool.
	Name string `json:"name"`
	// +optional
	Description string `json:"description,omitempty"`
	// oCloudId identifies the containing O-Cloud (inventory v1).
	// +optional
	OCloudID string `json:"oCloudId,omitempty"`
	// globalLocationId is the SMO's identifier of the pool's location (inventory v1).
	// +optional
	GlobalLocationID string `json:"globalLocationId,omitempty"`
	// location is free text about where the pool is (inventory v1).
	// +optional
	Location string `json:"location,omitempty"`
	// oCloudSiteId identifies the O-Cloud site the pool belongs to (inventory v2).
	// +optional
	OCloudSiteID string `json:"oCloudSiteId,omitempty"`
	// nodeSelector declares the pool's members: the inventory controller syncs the Nodes it
	// selects as Resources of this pool, in the pool's namespace. Only pools in the inventory
	// namespace and in the namespaces the operator allows (--inventory-node-pool-namespaces)
	// may select Nodes; elsewhere the field is refused, and a pool that still carries it (set
	// before the operator's list changed) claims no Nodes: its NodeSelectorAccepted condition
	// says so.
	// +optional
	NodeSelector *metav1.LabelSelector `json:"nodeSelector,omitempty"`
	// +optional
	Extensions Extensions `json:"extensions,omitempty"`
}

// ResourcePoolStatus is owned by the inventory controller.
type ResourcePoolStatus struct {
	// resourceCount is the number of resources in the pool, as last counted by the controller.
	// +optional
	ResourceCount int32 `json:"resourceCount,omitempty"`
	// conditions are the controller's latest observations of the pool. A pool with a
	// nodeSelector has a NodeSelectorAccepted condition: True when the controller places the
	// Nodes it selects in the pool, False (reason NamespaceNotAllowed or InvalidNodeSelector)
	// when the selector is ignored and the pool claims no Nodes.
	// +optional
	// +patchMergeKey=type
	// +patchStrategy=merge
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ResourcePoolList is a list of ResourcePool objects.
type ResourcePoolList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []ResourcePool `json:"items"`
}

// AdminState is whether a resource may be used, as an operator set it.
type AdminState string

// The administrative states of a resource.
const (
	AdminStateUnknown      AdminState = "UNKNOWN"
	AdminStateLocked       AdminState = "LOCKED"
	AdminStateShuttingDown AdminState = "SHUTTINGDOWN"
	AdminStateUnlocked     AdminState = "UNLOCKED"
)

// UsageState is how busy a resource is.
type UsageState string

// The usage states of a resource.
const (
	UsageStateUnknown UsageState = "UNKNOWN"
	UsageStateIdle    UsageState = "IDLE"
	UsageStateActive  UsageState = "ACTIVE"
	UsageStateBusy    UsageState = "BUSY"
)

// PowerState is whether a resource is powered.
type PowerState string

// The power states of a resource.
const (
	PowerStateUnknown PowerState = "UNKNOWN"
	PowerStateOn      PowerState = "ON"
	PowerStateOff     PowerState = "OFF"
)

// OperationalState is whether a resource is working, as the controller last saw it.
type OperationalState string

// The operational states of a resource.
const (
	OperationalStateUnknown  OperationalState = "UNKNOWN"
	OperationalStateEnabled  OperationalState = "ENABLED"
	OperationalStateDisabled OperationalState = "DISABLED"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// O2Resource is an O2-IMS Resource (a node, a disk, a NIC): kind Resource, API resource
// "resources". Only the Go type carries the O2 prefix, because code-generator's listers need a
// function named Resource in this package. Generated apply configurations name the kind after
// the Go type, so set WithKind("Resource") on them.
type O2Resource struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ResourceSpec `json:"spec,omitempty"`
	// +optional
	Status ResourceStatus `json:"status,omitempty"`
}

// ResourceSpec holds the Resource fields of O2-IMS.
type ResourceSpec struct {
	// resourceId is the O2 identifier (UUID). Defaulted when empty; immutable.
	// +optional
	ResourceID string `json:"resourceId,omitempty"`
	// resourcePoolId is the O2 identifier of the pool the resource belongs to.
	ResourcePoolID string `json:"resourcePoolId"`
	// resourceTypeId is the O2 identifier of the resource's type.
	ResourceTypeID string `json:"resourceTypeId"`
	// globalAssetId is the serial number or asset id of the resource, when known.
	// +optional
	GlobalAssetID string `json:"globalAssetId,omitempty"`
	// +optional
	Description string `json:"description,omitempty"`
	// elements are the smaller resources this resource is made of.
	// +optional
	// +listType=atomic
	Elements []ResourceElement `json:"elements,omitempty"`
	// tags are keywords describing or classifying the resource.
	// +optional
	// +listType=atomic
	Tags []string `json:"tags,omitempty"`
	// groups are keywords naming the groups the resource belongs to.
	// +optional
	// +listType=atomic
	Groups []string `json:"groups,omitempty"`
	// +optional
	Extensions Extensions `json:"extensions,omitempty"`
}

// ResourceElement is a component of a resource. O2-IMS nests full Resources here; one level of
// nesting with an extensions escape hatch keeps the Kubernetes schema finite.
type ResourceElement struct {
	// +optional
	ResourceID string `json:"resourceId,omitempty"`
	// +optional
	ResourceTypeID string `json:"resourceTypeId,omitempty"`
	// +optional
	GlobalAssetID string `json:"globalAssetId,omitempty"`
	// +optional
	Description string `json:"description,omitempty"`
	// +optional
	// +listType=atomic
	Tags []string `json:"tags,omitempty"`
	// +optional
	// +listType=atomic
	Groups []string `json:"groups,omitempty"`
	// +optional
	Extensions Extensions `json:"extensions,omitempty"`
}

// ResourceStatus is owned by the inventory controller. The states follow ITU-T X.731 as the
// O-Cloud information model uses them.
type ResourceStatus struct {
	// adminState is UNKNOWN, LOCKED, SHUTTINGDOWN or UNLOCKED (a cordoned node is LOCKED).
	// +optional
	AdminState AdminState `json:"adminState,omitempty"`
	// operationalState is UNKNOWN, ENABLED or DISABLED.
	// +optional
	OperationalState OperationalState `json:"operationalState,omitempty"`
	// usageState is UNKNOWN, IDLE, ACTIVE or BUSY.
	// +optional
	UsageState UsageState `json:"usageState,omitempty"`
	// powerState is UNKNOWN, ON or OFF.
	// +optional
	PowerState PowerState `json:"powerState,omitempty"`
	// conditions are the latest observations of the resource's state.
	// +optional
	// +patchMergeKey=type
	// +patchStrategy=merge
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// O2ResourceList is a list of O2Resource objects.
type O2ResourceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []O2Resource `json:"items"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DeploymentManager is an O2dms endpoint (a Kubernetes cluster) the O-Cloud offers.
type DeploymentManager struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec DeploymentManagerSpec `json:"spec,omitempty"`
	// +optional
	Status DeploymentManagerStatus `json:"status,omitempty"`
}

// DeploymentManagerStatus is owned by the inventory controller.
type DeploymentManagerStatus struct {
	// +optional
	OperationalState OperationalState `json:"operationalState,omitempty"`
	// +optional
	// +patchMergeKey=type
	// +patchStrategy=merge
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// DeploymentManagerSpec holds the DeploymentManager fields of O2-IMS.
type DeploymentManagerSpec struct {
	// deploymentManagerId is the O2 identifier (UUID). Defaulted when empty; immutable.
	// +optional
	DeploymentManagerID string `json:"deploymentManagerId,omitempty"`
	Name                string `json:"name"`
	// +optional
	Description string `json:"description,omitempty"`
	// oCloudId identifies the containing O-Cloud.
	// +optional
	OCloudID string `json:"oCloudId,omitempty"`
	// serviceUri is the apiRoot of the O2dms services (for a cluster, its API server URL).
	ServiceURI string `json:"serviceUri"`
	// supportedLocations are the globalLocationIds of the sites this manager serves.
	// +optional
	// +listType=atomic
	SupportedLocations []string `json:"supportedLocations,omitempty"`
	// capabilities of the deployment manager; values may be any JSON.
	// +optional
	Capabilities Extensions `json:"capabilities,omitempty"`
	// capacity available, allocated and reserved; values may be any JSON.
	// +optional
	Capacity Extensions `json:"capacity,omitempty"`
	// +optional
	Extensions Extensions `json:"extensions,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DeploymentManagerList is a list of DeploymentManager objects.
type DeploymentManagerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []DeploymentManager `json:"items"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Location is a place defined by the SMO where O-Cloud sites are (inventory v2 LocationInfo).
type Location struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec LocationSpec `json:"spec,omitempty"`
}

// LocationSpec holds the LocationInfo fields of O2-IMS v2 that are not derived.
type LocationSpec struct {
	// globalLocationId is the SMO's identifier of the location (not necessarily a UUID).
	// Defaulted to a UUID when empty; immutable.
	// +optional
	GlobalLocationID string `json:"globalLocationId,omitempty"`
	Name             string `json:"name"`
	// +optional
	Description string `json:"description,omitempty"`
	// coordinate is a GeoJSON Point (RFC 7946).
	// +optional
	Coordinate *GeoPoint `json:"coordinate,omitempty"`
	// civicAddress elements as in RFC 4776.
	// +optional
	// +listType=atomic
	CivicAddress []CivicAddressElement `json:"civicAddress,omitempty"`
	// address is the human readable address.
	// +optional
	Address string `json:"address,omitempty"`
	// +optional
	Extensions Extensions `json:"extensions,omitempty"`
}

// GeoPoint is a GeoJSON Point geometry.
type GeoPoint struct {
	// type is always "Point".
	Type string `json:"type"`
	// coordinates are [longitude, latitude] or [longitude, latitude, altitude].
	// +listType=atomic
	Coordinates []float64 `json:"coordinates"`
}

// CivicAddressElement is one element of a civic address (RFC 4776).
type CivicAddressElement struct {
	CAType  int32  `json:"caType"`
	CAValue string `json:"caValue"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// LocationList is a list of Location objects.
type LocationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Location `json:"items"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OCloudSite is a site of the O-Cloud at a Location (inventory v2 OCloudSiteInfo).
type OCloudSite struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec OCloudSiteSpec `json:"spec,omitempty"`
}

// OCloudSiteSpec holds the OCloudSiteInfo fields of O2-IMS v2 that are not derived.
type OCloudSiteSpec struct {
	// oCloudSiteId is the O2 identifier (UUID). Defaulted when empty; immutable.
	// +optional
	OCloudSiteID string `json:"oCloudSiteId,omitempty"`
	// globalLocationId is the location the site is at.
	GlobalLocationID string `json:"globalLocationId"`
	Name             string `json:"name"`
	// +optional
	Description string `json:"description,omitempty"`
	// +optional
	Extensions Extensions `json:"extensions,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OCloudSiteList is a list of OCloudSite objects.
type OCloudSiteList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []OCloudSite `json:"items"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// InventorySubscription asks for O2-IMS InventoryChangeNotifications to be sent to a callback.
type InventorySubscription struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec InventorySubscriptionSpec `json:"spec,omitempty"`
	// +optional
	Status InventorySubscriptionStatus `json:"status,omitempty"`
}

// InventorySubscriptionSpec holds the Subscription fields of O2-IMS.
type InventorySubscriptionSpec struct {
	// subscriptionId is the O2 identifier (UUID). Assigned by the server when empty; immutable.
	// +optional
	SubscriptionID string `json:"subscriptionId,omitempty"`
	// consumerSubscriptionId is the SMO's own identifier for the subscription.
	// +optional
	ConsumerSubscriptionID string `json:"consumerSubscriptionId,omitempty"`
	// filter selects the inventory changes to notify, in the SOL013 filter grammar.
	// +optional
	Filter string `json:"filter,omitempty"`
	// callback is the absolute http(s) URI notifications are POSTed to.
	Callback string `json:"callback"`
	// signingSecretRef names a Secret in the subscription's namespace whose key holds the
	// HMAC-SHA256 key that signs every notification body.
	// +optional
	SigningSecretRef *SecretKeyRef `json:"signingSecretRef,omitempty"`
	// subscriber is the authenticated user who created the subscription, recorded by the server
	// from the create request (any value a client sends is replaced) and immutable afterwards.
	// The subscription only ever receives changes of objects this user may get, and on the
	// default apiRoot only this user (or one granted the manage-others verb) sees and deletes it.
	// +optional
	Subscriber *SubscriberInfo `json:"subscriber,omitempty"`
}

// SubscriberInfo is a user as the API server authenticated them.
type SubscriberInfo struct {
	// username is the user's name, e.g. system:serviceaccount:smo:smo-a.
	Username string `json:"username"`
	// uid identifies the user across name changes, when the authenticator gives one.
	// +optional
	UID string `json:"uid,omitempty"`
	// groups are the groups the user belonged to at create time.
	// +optional
	// +listType=atomic
	Groups []string `json:"groups,omitempty"`
	// extra holds additional attributes of the user given by the authenticator (e.g. the
	// service account token's credential id).
	// +optional
	Extra map[string]ExtraValue `json:"extra,omitempty"`
}

// ExtraValue is a list of values of one extra attribute of a user.
// +listType=atomic
type ExtraValue []string

// SecretKeyRef points at one key of a Secret in the same namespace.
type SecretKeyRef struct {
	// name is the Secret's name, in the subscription's namespace.
	Name string `json:"name"`
	// key is the key of the Secret's data that holds the HMAC key.
	Key string `json:"key"`
}

// InventorySubscriptionStatus is owned by the notifier: how delivery to the callback goes.
type InventorySubscriptionStatus struct {
	// lastSuccessTime is when a notification was last accepted by the callback.
	// +optional
	LastSuccessTime *metav1.Time `json:"lastSuccessTime,omitempty"`
	// lastFailureTime is when a delivery attempt last failed.
	// +optional
	LastFailureTime *metav1.Time `json:"lastFailureTime,omitempty"`
	// lastError describes the last failed attempt.
	// +optional
	LastError string `json:"lastError,omitempty"`
	// consecutiveFailures counts failed attempts since the last success.
	// +optional
	ConsecutiveFailures int32 `json:"consecutiveFailures,omitempty"`
	// queueDepth is the number of notifications waiting for delivery.
	// +optional
	QueueDepth int64 `json:"queueDepth,omitempty"`
	// delivered counts notifications the callback accepted.
	// +optional
	Delivered int64 `json:"delivered,omitempty"`
	// dropped counts notifications discarded undelivered: older than the notifier's maximum
	// age, pushed out of a full queue (the oldest go first), or larger than a whole queue. A
	// subscriber that sees it grow missed notifications.
	// +optional
	Dropped int64 `json:"dropped,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// InventorySubscriptionList is a list of InventorySubscription objects.
type InventorySubscriptionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []InventorySubscription `json:"items"`
}
