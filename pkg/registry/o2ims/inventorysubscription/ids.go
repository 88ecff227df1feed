package inventorysubscription

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// withServerAssignedIDs makes subscription ids the server's to choose: a create that names its
// spec.subscriptionId is refused (422) unless the caller is a cluster superuser (who may
// restore a subscription under its old id). Subscription ids are unique across namespaces, so
// an id a caller could choose would answer 409 when held elsewhere, telling a tenant that a
// subscription id it learnt exists; the O2 POST leaves the id to the server too.
func withServerAssignedIDs(store *registry.Store) {
	beginCreate := store.BeginCreate
	store.BeginCreate = func(ctx context.Context, obj runtime.Object, options *metav1.CreateOptions) (registry.FinishFunc, error) {
		sub, ok := obj.(*o2ims.InventorySubscription)
		if ok && sub.Spec.SubscriptionID != "" && !kind.Superuser(ctx) {
			return nil, apierrors.NewInvalid(o2ims.Kind("InventorySubscription"), sub.Name, field.ErrorList{
				field.Forbidden(field.NewPath("spec", "subscriptionId"), "must be empty: the server assigns subscription ids"),
			})
		}
		if beginCreate == nil {
			return finishNothing, nil
		}
		return beginCreate(ctx, obj, options)
	}
}
