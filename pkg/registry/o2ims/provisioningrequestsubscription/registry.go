// Package provisioningrequestsubscription is the registry of ProvisioningRequestSubscription
// objects (provisioningrequestsubscriptions.o2ims.oran.org): the shared subscription
// machinery (pkg/registry/o2ims/subscription) with the kind's own types, exactly as
// InventorySubscription uses it.
package provisioningrequestsubscription

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/subscription"
)

// Resource is the resource name of ProvisioningRequestSubscriptions.
const Resource = "provisioningrequestsubscriptions"

// Kind describes ProvisioningRequestSubscription to the shared registry code.
func Kind() *kind.Kind { return subscriptionKind().RegistryKind() }

func subscriptionKind() *subscription.Kind {
	return &subscription.Kind{
		Kind: &kind.Kind{
			Resource:    Resource,
			Singular:    "provisioningrequestsubscription",
			ShortNames:  []string{"provsub"},
			Namespaced:  true,
			NewFunc:     func() runtime.Object { return &o2ims.ProvisioningRequestSubscription{} },
			NewListFunc: func() runtime.Object { return &o2ims.ProvisioningRequestSubscriptionList{} },
			ID: func(obj runtime.Object) *string {
				return &obj.(*o2ims.ProvisioningRequestSubscription).Spec.SubscriptionID
			},
			IDPath: field.NewPath("spec", "subscriptionId"),
			NewID:  func() string { return string(uuid.NewUUID()) },
			Validate: func(obj runtime.Object) field.ErrorList {
				return validation.ValidateProvisioningRequestSubscription(obj.(*o2ims.ProvisioningRequestSubscription))
			},
			KindName: "ProvisioningRequestSubscription",
			Status: &kind.StatusHandling{
				ValidateStatus: func(obj runtime.Object) field.ErrorList {
					return validation.ValidateInventorySubscriptionStatus(&obj.(*o2ims.ProvisioningRequestSubscription).Status)
				},
			},
		},
		Subscriber: func(obj runtime.Object) **o2ims.SubscriberInfo {
			return &obj.(*o2ims.ProvisioningRequestSubscription).Spec.Subscriber
		},
		SigningSecretRef: func(obj runtime.Object) *o2ims.SecretKeyRef {
			return obj.(*o2ims.ProvisioningRequestSubscription).Spec.SigningSecretRef
		},
		SOL013Filter: func(obj runtime.Object) string {
			return obj.(*o2ims.ProvisioningRequestSubscription).Spec.Filter
		},
		FilterOf: model.KindProvisioningSubscription,
		ConsumerID: func(obj runtime.Object) string {
			return obj.(*o2ims.ProvisioningRequestSubscription).Spec.ConsumerSubscriptionID
		},
	}
}

// NewREST returns the storage of provisioningrequestsubscriptions and of their status (see
// subscription.NewREST).
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, rules subscription.Rules) (*subscription.REST, *subscription.StatusREST, error) {
	return subscription.NewREST(subscriptionKind(), scheme, optsGetter, rules)
}
