package tenancy

import (
	"context"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

// VerbManageOthers is the RBAC verb on a subscription resource (inventorysubscriptions,
// alarmsubscriptions, provisioningrequestsubscriptions, nfdeploymentsubscriptions.o2dms.oran.org) that lets a caller see, change and delete other users' subscriptions of
// that resource in the shared subscription namespace, and redirect (change the callback or the
// signing Secret of) other users' subscriptions in any namespace.
const VerbManageOthers = "manage-others"

// PerOwnerSubscriptionCap names the --subscriptions-per-namespace cap in the shared
// subscription namespace, where it counts each owner's subscriptions only, in the refusal it
// words like a ResourceQuota's. Its usage is the caller's own, so the O2 face passes it on
// whole, unlike a ResourceQuota's there, which counts every SMO's.
const PerOwnerSubscriptionCap = "subscriptions-per-owner"

// SubscriptionsResource is the resource of inventory subscriptions.
const SubscriptionsResource = "inventorysubscriptions"

// Owns reports whether u is the subscriber recorded as (username, uid). The uid is compared
// only when both sides have one: client-certificate users have none.
func Owns(u user.Info, username, uid string) bool {
	if u == nil || username == "" || u.GetName() != username {
		return false
	}
	return uid == "" || u.GetUID() == "" || u.GetUID() == uid
}

// MayManageOthers asks authz whether u holds VerbManageOthers on the subscription resource of
// group ("" is o2ims.oran.org) in namespace.
func MayManageOthers(ctx context.Context, authz authorizer.Authorizer, u user.Info, group, resource, namespace string) (bool, error) {
	return Allowed(ctx, authz, u, Request{Verb: VerbManageOthers, Group: group, Resource: resource, Namespace: namespace})
}
