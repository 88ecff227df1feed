package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	o2imsv1alpha1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NfDeploymentSubscription asks the notifier to POST an NfDeploymentChangeNotification to a
// callback whenever an NfDeployment its owner may read is created, changes phase or release
// revision, or is deleted. Its spec and status have InventorySubscription's shape and rules:
// the server assigns subscriptionId and records the subscriber, the creator must be allowed
// to get the signing Secret, and a subscription outside the shared subscription namespace
// only receives the NfDeployments of its own namespace.
type NfDeploymentSubscription struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata (name, namespace, labels, annotations).
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the subscription: callback, filter, consumer id, signing key.
	Spec NfDeploymentSubscriptionSpec `json:"spec,omitempty"`
	// status is the notifier's delivery state, as for an InventorySubscription.
	// +optional
	// +k8s:conversion-gen=false
	Status o2imsv1alpha1.InventorySubscriptionStatus `json:"status,omitempty"`
}

// NfDeploymentSubscriptionSpec is what an NfDeploymentSubscription subscribes to and where
// the notifications go.
type NfDeploymentSubscriptionSpec struct {
	// subscriptionId is the O2 identifier (UUID) of the subscription. Assigned by the server;
	// immutable.
	// +optional
	SubscriptionID string `json:"subscriptionId,omitempty"`
	// consumerSubscriptionId is the SMO's own identifier for the subscription, echoed in every
	// notification.
	// +optional
	ConsumerSubscriptionID string `json:"consumerSubscriptionId,omitempty"`
	// filter selects the changes to notify, in the O2 (ETSI SOL013) filter grammar evaluated
	// against the NfDeployment's state before and after the change (either matching sends it),
	// e.g. (eq,status/phase,FAILED) or (eq,deploymentManagerId,<uuid>). Attributes are those
	// of priorObjectState/postObjectState: nfDeploymentId, name, namespace,
	// deploymentManagerId, descriptorRef/name, targetNamespace, status/phase,
	// status/releaseRevision. Empty sends every notified change.
	// +optional
	Filter string `json:"filter,omitempty"`
	// callback is the absolute http(s) URI notifications are POSTed to.
	Callback string `json:"callback"`
	// signingSecretRef names a Secret in the subscription's namespace whose key holds the
	// HMAC-SHA256 key that signs every notification body (header X-O2IMS-Signature). Its
	// creator must be allowed to get that Secret, and the Secret must opt in (type
	// o2ims.oran.org/signing-key or label o2ims.oran.org/signing-key=true).
	// +optional
	SigningSecretRef *o2imsv1alpha1.SecretKeyRef `json:"signingSecretRef,omitempty"`
	// subscriber is the authenticated user who created the subscription, recorded by the server
	// from the create request (any value a client sends is replaced) and immutable afterwards.
	// The subscription only ever receives changes of NfDeployments this user may get.
	// +optional
	Subscriber *o2imsv1alpha1.SubscriberInfo `json:"subscriber,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NfDeploymentSubscriptionList is a list of NfDeploymentSubscription objects.
type NfDeploymentSubscriptionList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata (resourceVersion, continue token).
	metav1.ListMeta `json:"metadata,omitempty"`

	// items are the objects of the list.
	Items []NfDeploymentSubscription `json:"items"`
}
