// Package inventorysubscription is the registry of InventorySubscription objects (inventorysubscriptions.o2ims.oran.org).
package inventorysubscription

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

// Kind describes InventorySubscription to the shared registry code.
func Kind() *kind.Kind { return subscriptionKind().RegistryKind() }

func subscriptionKind() *subscription.Kind {
	return &subscription.Kind{
		Kind: &kind.Kind{
			Resource:    "inventorysubscriptions",
			Singular:    "inventorysubscription",
			ShortNames:  []string{"isub"},
			Namespaced:  true,
			NewFunc:     func() runtime.Object { return &o2ims.InventorySubscription{} },
			NewListFunc: func() runtime.Object { return &o2ims.InventorySubscriptionList{} },
			ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.InventorySubscription).Spec.SubscriptionID },
			IDPath:      field.NewPath("spec", "subscriptionId"),
			NewID:       func() string { return string(uuid.NewUUID()) },
			Validate: func(obj runtime.Object) field.ErrorList {
				return validation.ValidateInventorySubscription(obj.(*o2ims.InventorySubscription))
			},
			KindName: "InventorySubscription",
			Status: &kind.StatusHandling{
				ValidateStatus: func(obj runtime.Object) field.ErrorList {
					return validation.ValidateInventorySubscriptionStatus(&obj.(*o2ims.InventorySubscription).Status)
				},
			},
		},
		Subscriber: func(obj runtime.Object) **o2ims.SubscriberInfo {
			return &obj.(*o2ims.InventorySubscription).Spec.Subscriber
		},
		SigningSecretRef: func(obj runtime.Object) *o2ims.SecretKeyRef {
			return obj.(*o2ims.InventorySubscription).Spec.SigningSecretRef
		},
		SOL013Filter: func(obj runtime.Object) string {
			return obj.(*o2ims.InventorySubscription).Spec.Filter
		},
		FilterOf: model.KindSubscription,
		ConsumerID: func(obj runtime.Object) string {
			return obj.(*o2ims.InventorySubscription).Spec.ConsumerSubscriptionID
		},
	}
}

// NewREST returns the storage of inventorysubscriptions and of their status (see
// subscription.NewREST).
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, rules subscription.Rules) (*subscription.REST, *subscription.StatusREST, error) {
	return subscription.NewREST(subscriptionKind(), scheme, optsGetter, rules)
}
