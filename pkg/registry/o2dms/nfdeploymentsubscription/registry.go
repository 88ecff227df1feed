// Package nfdeploymentsubscription is the registry of NfDeploymentSubscription objects
// (nfdeploymentsubscriptions.o2dms.oran.org): the shared subscription machinery
// (pkg/registry/o2ims/subscription) with the kind's own types, exactly as
// InventorySubscription and AlarmSubscription use it.
package nfdeploymentsubscription

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2dms"
	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2dms/validation"
	"github.com/netweave-io/netweave/apis/o2ims"
	imsvalidation "github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeploymentdescriptor"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/subscription"
)

// Resource is the resource name of NfDeploymentSubscriptions.
const Resource = "nfdeploymentsubscriptions"

// Kind describes NfDeploymentSubscription to the shared registry code.
func Kind() *kind.Kind { return subscriptionKind().RegistryKind() }

func subscriptionKind() *subscription.Kind {
	return &subscription.Kind{
		Kind: &kind.Kind{
			GroupVersion: v1alpha1.SchemeGroupVersion,
			Category:     nfdeploymentdescriptor.Category,
			// metadata.name and metadata.namespace only.
			SelectableFields: v1alpha1.SelectableFieldsOf,
			Resource:         Resource,
			Singular:         "nfdeploymentsubscription",
			ShortNames:       []string{"nfsub"},
			Namespaced:       true,
			NewFunc:          func() runtime.Object { return &o2dms.NfDeploymentSubscription{} },
			NewListFunc:      func() runtime.Object { return &o2dms.NfDeploymentSubscriptionList{} },
			ID:               func(obj runtime.Object) *string { return &obj.(*o2dms.NfDeploymentSubscription).Spec.SubscriptionID },
			IDPath:           field.NewPath("spec", "subscriptionId"),
			NewID:            func() string { return string(uuid.NewUUID()) },
			Validate: func(obj runtime.Object) field.ErrorList {
				return validation.ValidateNfDeploymentSubscription(obj.(*o2dms.NfDeploymentSubscription))
			},
			KindName: "NfDeploymentSubscription",
			Status: &kind.StatusHandling{
				ValidateStatus: func(obj runtime.Object) field.ErrorList {
					return imsvalidation.ValidateInventorySubscriptionStatus(&obj.(*o2dms.NfDeploymentSubscription).Status)
				},
			},
		},
		Subscriber: func(obj runtime.Object) **o2ims.SubscriberInfo {
			return &obj.(*o2dms.NfDeploymentSubscription).Spec.Subscriber
		},
		SigningSecretRef: func(obj runtime.Object) *o2ims.SecretKeyRef {
			return obj.(*o2dms.NfDeploymentSubscription).Spec.SigningSecretRef
		},
		SOL013Filter: func(obj runtime.Object) string {
			return obj.(*o2dms.NfDeploymentSubscription).Spec.Filter
		},
	}
}

// NewREST returns the storage of nfdeploymentsubscriptions and of their status (see
// subscription.NewREST).
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, rules subscription.Rules) (*subscription.REST, *subscription.StatusREST, error) {
	return subscription.NewREST(subscriptionKind(), scheme, optsGetter, rules)
}
