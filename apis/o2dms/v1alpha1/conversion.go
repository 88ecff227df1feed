package v1alpha1

import (
	"k8s.io/apimachinery/pkg/conversion"

	"github.com/netweave-io/netweave/apis/o2dms"
	o2imsv1alpha1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// NfDeploymentSubscription's status is o2ims.oran.org's subscription status type; it is
// converted by o2ims's generated functions (conversion-gen regenerates those in the same run,
// so it cannot find them itself).

// Convert_v1alpha1_NfDeploymentSubscription_To_o2dms_NfDeploymentSubscription converts an
// NfDeploymentSubscription to its internal form.
func Convert_v1alpha1_NfDeploymentSubscription_To_o2dms_NfDeploymentSubscription(in *NfDeploymentSubscription, out *o2dms.NfDeploymentSubscription, s conversion.Scope) error {
	if err := autoConvert_v1alpha1_NfDeploymentSubscription_To_o2dms_NfDeploymentSubscription(in, out, s); err != nil {
		return err
	}
	return o2imsv1alpha1.Convert_v1alpha1_InventorySubscriptionStatus_To_o2ims_InventorySubscriptionStatus(&in.Status, &out.Status, s)
}

// Convert_o2dms_NfDeploymentSubscription_To_v1alpha1_NfDeploymentSubscription converts an
// internal NfDeploymentSubscription to v1alpha1.
func Convert_o2dms_NfDeploymentSubscription_To_v1alpha1_NfDeploymentSubscription(in *o2dms.NfDeploymentSubscription, out *NfDeploymentSubscription, s conversion.Scope) error {
	if err := autoConvert_o2dms_NfDeploymentSubscription_To_v1alpha1_NfDeploymentSubscription(in, out, s); err != nil {
		return err
	}
	return o2imsv1alpha1.Convert_o2ims_InventorySubscriptionStatus_To_v1alpha1_InventorySubscriptionStatus(&in.Status, &out.Status, s)
}
