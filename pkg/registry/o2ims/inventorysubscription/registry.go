// Package inventorysubscription is the registry of InventorySubscription objects (inventorysubscriptions.o2ims.oran.org).
package inventorysubscription

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes InventorySubscription to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
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
		Columns: []kind.Column{
			{Name: "O2 ID", Type: "string", Description: "O2 identifier (subscriptionId)", Priority: 0, Cell: func(obj runtime.Object) interface{} {
				o := obj.(*o2ims.InventorySubscription)
				return o.Spec.SubscriptionID
			}},
			{Name: "Callback", Type: "string", Description: "URI notifications are POSTed to", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.InventorySubscription); return o.Spec.Callback }},
			{Name: "Consumer ID", Type: "string", Description: "SMO's own subscription id", Priority: 1, Cell: func(obj runtime.Object) interface{} {
				o := obj.(*o2ims.InventorySubscription)
				return o.Spec.ConsumerSubscriptionID
			}},
		},
	}
}

// NewREST returns the storage of inventorysubscriptions and of their status. authz decides
// whether a subscription's creator may read the signing Secret it names (signingsecret.go).
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, authz authorizer.Authorizer) (*kind.REST, *kind.StatusREST, error) {
	main, status, err := kind.NewREST(Kind(), scheme, optsGetter)
	if err != nil {
		return nil, nil, err
	}
	// The status endpoint keeps the hooks it was built with: it cannot change the spec.
	withSigningSecretCheck(main.Store, authz)
	return main, status, nil
}
