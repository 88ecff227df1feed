// Package alarmsubscription is the registry of AlarmSubscription objects (alarmsubscriptions.o2ims.oran.org).
package alarmsubscription

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/subscription"
)

// Kind describes AlarmSubscription to the shared registry code.
func Kind() *kind.Kind { return subscriptionKind().RegistryKind() }

func subscriptionKind() *subscription.Kind {
	return &subscription.Kind{
		Kind: &kind.Kind{
			Resource:    "alarmsubscriptions",
			Singular:    "alarmsubscription",
			ShortNames:  []string{"asub"},
			Namespaced:  true,
			NewFunc:     func() runtime.Object { return &o2ims.AlarmSubscription{} },
			NewListFunc: func() runtime.Object { return &o2ims.AlarmSubscriptionList{} },
			ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.AlarmSubscription).Spec.AlarmSubscriptionID },
			IDPath:      field.NewPath("spec", "alarmSubscriptionId"),
			NewID:       func() string { return string(uuid.NewUUID()) },
			Validate: func(obj runtime.Object) field.ErrorList {
				return validation.ValidateAlarmSubscription(obj.(*o2ims.AlarmSubscription))
			},
			KindName: "AlarmSubscription",
			Status: &kind.StatusHandling{
				ValidateStatus: func(obj runtime.Object) field.ErrorList {
					return validation.ValidateInventorySubscriptionStatus(&obj.(*o2ims.AlarmSubscription).Status)
				},
			},
		},
		Subscriber: func(obj runtime.Object) **o2ims.SubscriberInfo {
			return &obj.(*o2ims.AlarmSubscription).Spec.Subscriber
		},
		SigningSecretRef: func(obj runtime.Object) *o2ims.SecretKeyRef {
			return obj.(*o2ims.AlarmSubscription).Spec.SigningSecretRef
		},
	}
}

// NewREST returns the storage of alarmsubscriptions and of their status (see
// subscription.NewREST).
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, rules subscription.Rules) (*subscription.REST, *subscription.StatusREST, error) {
	return subscription.NewREST(subscriptionKind(), scheme, optsGetter, rules)
}
