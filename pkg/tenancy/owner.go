package tenancy

import (
	"context"
	"fmt"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// VerbManageOthers is the RBAC verb on inventorysubscriptions that lets a caller see, change and
// delete other users' subscriptions in the shared subscription namespace.
const VerbManageOthers = "manage-others"

// SubscriptionsResource is the resource the verb is checked on.
const SubscriptionsResource = "inventorysubscriptions"

// Owns reports whether u is the subscriber recorded as (username, uid). The uid is compared
// only when both sides have one: client-certificate users have none.
func Owns(u user.Info, username, uid string) bool {
	if u == nil || username == "" || u.GetName() != username {
		return false
	}
	return uid == "" || u.GetUID() == "" || u.GetUID() == uid
}

// MayManageOthers asks authz whether u holds VerbManageOthers in namespace.
func MayManageOthers(ctx context.Context, authz authorizer.Authorizer, u user.Info, namespace string) (bool, error) {
	decision, _, err := authz.Authorize(ctx, authorizer.AttributesRecord{
		User:            u,
		Verb:            VerbManageOthers,
		APIGroup:        v1alpha1.GroupName,
		APIVersion:      v1alpha1.SchemeGroupVersion.Version,
		Resource:        SubscriptionsResource,
		Namespace:       namespace,
		ResourceRequest: true,
	})
	if decision == authorizer.DecisionAllow {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("authorize %s %s in %q: %w", VerbManageOthers, SubscriptionsResource, namespace, err)
	}
	return false, nil
}
