package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2dms"
	imsvalidation "github.com/netweave-io/netweave/apis/o2ims/validation"
)

// ValidateNfDeploymentSubscription checks an NfDeploymentSubscription exactly as an
// InventorySubscription is checked: the same id, consumer id, filter, callback, signing
// secret and status rules.
func ValidateNfDeploymentSubscription(obj *o2dms.NfDeploymentSubscription) field.ErrorList {
	errs := imsvalidation.ValidateObjectMeta(&obj.ObjectMeta, true)
	errs = append(errs, imsvalidation.ValidateUUID(obj.Spec.SubscriptionID, field.NewPath("spec", "subscriptionId"))...)
	errs = append(errs, imsvalidation.ValidateSubscriptionSpec(obj.Spec.ConsumerSubscriptionID, obj.Spec.Filter, obj.Spec.Callback, obj.Spec.SigningSecretRef)...)
	return append(errs, imsvalidation.ValidateInventorySubscriptionStatus(&obj.Status)...)
}
