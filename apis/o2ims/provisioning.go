package o2ims

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ProvisioningRequest asks the O-Cloud for infrastructure built from a
// ManagedInfrastructureTemplate: a Cluster API Cluster of the template's ClusterClass at the
// template's Kubernetes version (O2-IMS infrastructureProvisioning ProvisioningRequestData).
// Its name is its provisioningRequestId, chosen by the SMO; it lives in the namespace of the
// apiRoot it was made through, and the Cluster it creates lives in the same namespace.
type ProvisioningRequest struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata; metadata.name is the provisioningRequestId.
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is what the SMO asked for.
	Spec ProvisioningRequestSpec `json:"spec,omitempty"`
	// status is the progress the provisioning controller records.
	// +optional
	Status ProvisioningRequestStatus `json:"status,omitempty"`
}

// ProvisioningRequestSpec holds the ProvisioningRequestData fields of O2-IMS.
type ProvisioningRequestSpec struct {
	// provisioningRequestId is the O2 identifier (UUID) the SMO chose; it equals metadata.name
	// (defaulted from it when empty) and is immutable.
	// +optional
	ProvisioningRequestID string `json:"provisioningRequestId,omitempty"`
	// name is the human-readable name of the request.
	Name string `json:"name"`
	// description is the human-readable description of the request.
	// +optional
	Description string `json:"description,omitempty"`
	// templateName is the name of the ManagedInfrastructureTemplate to build from: the name
	// of its Cluster API ClusterClass.
	TemplateName string `json:"templateName"`
	// templateVersion is the version of the template: one of the Kubernetes versions its
	// ClusterClass offers. Changing it upgrades the cluster to that version.
	TemplateVersion string `json:"templateVersion"`
	// templateParameters are the values of the template's parameters (a JSON object), checked
	// against the template's parameterSchema at admission; they become the Cluster's topology
	// variables, one per top-level key.
	// +optional
	TemplateParameters *JSON `json:"templateParameters,omitempty"`
	// templateNamespace is where the server found the template when the request was written:
	// the request's namespace, or the inventory namespace for a writer the operator offers its
	// templates to (RBAC there) when the request's namespace has none of that name. The server
	// sets it on every write that changes the template and keeps it otherwise; what a client
	// sends is ignored. The provisioning controller builds from that namespace's template only,
	// so deleting a tenant's template never makes the request fall back to the operator's.
	// +optional
	TemplateNamespace string `json:"templateNamespace,omitempty"`
}

// ProvisioningPhase is the O2-IMS provisioningPhase of a request.
type ProvisioningPhase string

// The provisioning phases of O2-IMS.
const (
	// ProvisioningPhasePending: accepted, no infrastructure requested yet.
	ProvisioningPhasePending ProvisioningPhase = "PENDING"
	// ProvisioningPhaseProgressing: the cluster is being built or changed.
	ProvisioningPhaseProgressing ProvisioningPhase = "PROGRESSING"
	// ProvisioningPhaseFulfilled: the cluster is built as asked and reachable.
	ProvisioningPhaseFulfilled ProvisioningPhase = "FULFILLED"
	// ProvisioningPhaseFailed: the cluster cannot be built as asked; message says why.
	ProvisioningPhaseFailed ProvisioningPhase = "FAILED"
	// ProvisioningPhaseDeleting: the request was deleted and its cluster is being torn down.
	ProvisioningPhaseDeleting ProvisioningPhase = "DELETING"
)

// ResourceProvisioningPhase is the O2-IMS provisioning phase of one provisioned resource.
type ResourceProvisioningPhase string

// The resource provisioning phases of O2-IMS.
const (
	// ResourceProvisioningPhaseProcessing: the resource is being provisioned.
	ResourceProvisioningPhaseProcessing ResourceProvisioningPhase = "PROCESSING"
	// ResourceProvisioningPhaseProvisioned: the resource is provisioned.
	ResourceProvisioningPhaseProvisioned ResourceProvisioningPhase = "PROVISIONED"
	// ResourceProvisioningPhaseAwaitingFreeResources: the resource waits for capacity.
	ResourceProvisioningPhaseAwaitingFreeResources ResourceProvisioningPhase = "AWAITING_FREE_RESOURCES"
	// ResourceProvisioningPhaseFailed: the resource could not be provisioned.
	ResourceProvisioningPhaseFailed ResourceProvisioningPhase = "FAILED"
)

// ProvisioningRequestStatus is owned by the provisioning controller (O2-IMS ProvisioningStatus
// and ProvisionedResourceSet).
type ProvisioningRequestStatus struct {
	// provisioningPhase is PENDING, PROGRESSING, FULFILLED, FAILED or DELETING.
	// +optional
	ProvisioningPhase ProvisioningPhase `json:"provisioningPhase,omitempty"`
	// message says what the request is waiting for or why it failed.
	// +optional
	Message string `json:"message,omitempty"`
	// updateTime is when the status last changed.
	// +optional
	UpdateTime *metav1.Time `json:"updateTime,omitempty"`
	// observedGeneration is the metadata.generation of the spec the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// clusterRef names the Cluster API Cluster built for the request, in the request's
	// namespace.
	// +optional
	ClusterRef *ClusterReference `json:"clusterRef,omitempty"`
	// nodeClusterProvisioningStatus is the provisioning phase of the cluster.
	// +optional
	NodeClusterProvisioningStatus *ResourceProvisioningStatus `json:"nodeClusterProvisioningStatus,omitempty"`
	// infrastructureResourceProvisioningStatus is the provisioning phase of each
	// infrastructure resource (machine) of the cluster.
	// +optional
	// +listType=atomic
	InfrastructureResourceProvisioningStatus []ResourceProvisioningStatus `json:"infrastructureResourceProvisioningStatus,omitempty"`
	// provisionedResourceSet is what was provisioned: the cluster's O2 id (its
	// DeploymentManager's) and its Resources' ids, once the cluster is in the inventory.
	// +optional
	ProvisionedResourceSet *ProvisionedResourceSet `json:"provisionedResourceSet,omitempty"`
	// conditions are the steps of provisioning, each saying what is being waited for:
	// ClusterCreated, InfrastructureReady, ControlPlaneReady, WorkersReady, InInventory and
	// Fulfilled.
	// +optional
	// +patchMergeKey=type
	// +patchStrategy=merge
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// ClusterReference names a Cluster API Cluster.
type ClusterReference struct {
	// namespace of the Cluster.
	Namespace string `json:"namespace"`
	// name of the Cluster.
	Name string `json:"name"`
}

// ResourceProvisioningStatus is the provisioning phase of one resource (O2-IMS
// ResourceProvisioningStatus).
type ResourceProvisioningStatus struct {
	// resourceName is the human-readable name of the resource (the Cluster's or Machine's).
	ResourceName string `json:"resourceName"`
	// resourceId is the resource's O2 id once it is in the inventory, else its Kubernetes uid.
	ResourceID string `json:"resourceId"`
	// resourceProvisioningPhase is PROCESSING, PROVISIONED, AWAITING_FREE_RESOURCES or FAILED.
	ResourceProvisioningPhase ResourceProvisioningPhase `json:"resourceProvisioningPhase"`
}

// ProvisionedResourceSet lists what a request provisioned (O2-IMS ProvisionedResourceSet).
type ProvisionedResourceSet struct {
	// nodeClusterId is the O2 id of the provisioned cluster: the deploymentManagerId of its
	// DeploymentManager in the inventory.
	NodeClusterID string `json:"nodeClusterId"`
	// infrastructureResourceIds are the O2 resourceIds of the cluster's Nodes in the inventory.
	// +optional
	// +listType=atomic
	InfrastructureResourceIDs []string `json:"infrastructureResourceIds,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ProvisioningRequestList is a list of ProvisioningRequest objects.
type ProvisioningRequestList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata (resourceVersion, continue token).
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the objects of the list.
	Items []ProvisioningRequest `json:"items"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ManagedInfrastructureTemplate is one version of a Cluster API ClusterClass offered for
// provisioning (O2-IMS infrastructureArtifacts ManagedInfrastructureTemplate). The template
// sync writes one per ClusterClass and Kubernetes version the ClusterClass lists
// (spec.kubernetesVersions), named "<clusterclass>.<version>", in the ClusterClass's
// namespace; edits by anyone else are overwritten.
type ManagedInfrastructureTemplate struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata; metadata.name is "<name>.<version>".
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec holds the O2-IMS attributes of the template.
	Spec ManagedInfrastructureTemplateSpec `json:"spec,omitempty"`
}

// ManagedInfrastructureTemplateSpec holds the ManagedInfrastructureTemplate fields of O2-IMS.
type ManagedInfrastructureTemplateSpec struct {
	// artifactResourceId is the O2 identifier (UUID), derived from the O-Cloud id, the
	// namespace and the template's name, so it stays the same across restarts.
	// +optional
	ArtifactResourceID string `json:"artifactResourceId,omitempty"`
	// name is the template's name: the ClusterClass's name.
	Name string `json:"name"`
	// version is the template's version: the Kubernetes version the cluster gets.
	Version string `json:"version"`
	// description comes from the ClusterClass's o2ims.oran.org/description annotation.
	// +optional
	Description string `json:"description,omitempty"`
	// parameterSchema is the OpenAPI v3 schema of templateParameters (a JSON object): one
	// property per ClusterClass variable, with the variable's schema; required variables are
	// required.
	// +optional
	ParameterSchema *JSON `json:"parameterSchema,omitempty"`
	// defaults are the values the template uses for parameters a request leaves out: the
	// ClusterClass variables' defaults, as clusterInstanceDefaults.
	// +optional
	Defaults *JSON `json:"defaults,omitempty"`
	// characteristics are key/value pairs describing the template, from the ClusterClass's
	// labels under o2ims.oran.org/characteristic-.
	// +optional
	Characteristics map[string]string `json:"characteristics,omitempty"`
	// clusterClassRef names the ClusterClass the template is built from.
	ClusterClassRef ClusterReference `json:"clusterClassRef"`
	// extensions are key-value pairs of additional metadata; values may be any JSON.
	// +optional
	Extensions Extensions `json:"extensions,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ManagedInfrastructureTemplateList is a list of ManagedInfrastructureTemplate objects.
type ManagedInfrastructureTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata (resourceVersion, continue token).
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the objects of the list.
	Items []ManagedInfrastructureTemplate `json:"items"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ProvisioningRequestSubscription asks the notifier to POST a
// ProvisioningRequestChangeNotification to a callback whenever a ProvisioningRequest its owner
// may read is created, changes phase, or is deleted (beyond the O2-IMS specification, which
// defines no provisioning notifications and so makes SMOs poll). Its spec and status have
// InventorySubscription's shape and rules: the server assigns subscriptionId and records the
// subscriber, the creator must be allowed to get the signing Secret, and a subscription
// outside the shared subscription namespace only receives the requests of its own namespace.
type ProvisioningRequestSubscription struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata (name, namespace, labels, annotations).
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the subscription: callback, filter, consumer id, signing key.
	Spec ProvisioningRequestSubscriptionSpec `json:"spec,omitempty"`
	// status is the notifier's delivery state, as for an InventorySubscription.
	// +optional
	Status InventorySubscriptionStatus `json:"status,omitempty"`
}

// ProvisioningRequestSubscriptionSpec is what a ProvisioningRequestSubscription subscribes to
// and where the notifications go.
type ProvisioningRequestSubscriptionSpec struct {
	// subscriptionId is the O2 identifier (UUID) of the subscription. Assigned by the server;
	// immutable.
	// +optional
	SubscriptionID string `json:"subscriptionId,omitempty"`
	// consumerSubscriptionId is the SMO's own identifier for the subscription, echoed in every
	// notification.
	// +optional
	ConsumerSubscriptionID string `json:"consumerSubscriptionId,omitempty"`
	// filter selects the changes to notify, in the O2 (ETSI SOL013) filter grammar evaluated
	// against the request's ProvisioningRequestInfo before and after the change (either
	// matching sends it), e.g. (eq,status/provisioningPhase,FAILED) or
	// (eq,provisioningRequestData/templateName,demo). Empty sends every notified change.
	// +optional
	Filter string `json:"filter,omitempty"`
	// callback is the absolute http(s) URI notifications are POSTed to.
	Callback string `json:"callback"`
	// signingSecretRef names a Secret in the subscription's namespace whose key holds the
	// HMAC-SHA256 key that signs every notification body (header X-O2IMS-Signature). Its
	// creator must be allowed to get that Secret, and the Secret must opt in (type
	// o2ims.oran.org/signing-key or label o2ims.oran.org/signing-key=true).
	// +optional
	SigningSecretRef *SecretKeyRef `json:"signingSecretRef,omitempty"`
	// subscriber is the authenticated user who created the subscription, recorded by the server
	// from the create request (any value a client sends is replaced) and immutable afterwards.
	// The subscription only ever receives changes of requests this user may get.
	// +optional
	Subscriber *SubscriberInfo `json:"subscriber,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ProvisioningRequestSubscriptionList is a list of ProvisioningRequestSubscription objects.
type ProvisioningRequestSubscriptionList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata (resourceVersion, continue token).
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the objects of the list.
	Items []ProvisioningRequestSubscription `json:"items"`
}
