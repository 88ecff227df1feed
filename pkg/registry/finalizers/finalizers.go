// Package finalizers keeps the finalizer of one of netweave's controllers on an object until
// that controller removes it. Kubernetes lets whoever may update an object remove any of its
// finalizers; for a finalizer that holds something outside the object (an NfDeployment's Helm
// release in a target cluster) that lets a tenant delete the object without its cleanup: the
// release stays installed, no longer managed by anyone, and no longer counted by the tenant's
// quota. So removing it is refused to anyone but netweave itself (the cluster superusers, its
// loopback client among them) and those allowed to update the resource's "finalizers"
// subresource in all namespaces: a ClusterRoleBinding (cluster-admin) grants that, a
// RoleBinding in the tenant's namespace, whatever its rules, cannot.
package finalizers

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/registry/storehook"
)

// Subresource is the subresource whose update, in all namespaces, allows removing a
// controller's finalizer by hand.
const Subresource = "finalizers"

// Rule keeps Finalizer on the objects of one resource.
type Rule struct {
	// Authorizer answers whether the requester may update Resource's finalizers in all
	// namespaces; nil lets only superusers remove the finalizer (fail closed).
	Authorizer authorizer.Authorizer
	// Resource is the kind's group and resource.
	Resource schema.GroupResource
	// Finalizer is the controller's finalizer.
	Finalizer string
	// Holds says what the finalizer waits for, e.g. "the Helm release is uninstalled".
	Holds string
}

// Install makes store refuse an update that removes Finalizer, dry-run or not, unless the
// requester may (Check). The store's own BeginUpdate runs after the check.
func (r Rule) Install(store *registry.Store) {
	storehook.Check{Update: r.Check}.Install(store)
}

// Check returns a Forbidden error when the update from old to obj removes Finalizer and the
// requester is neither a superuser nor allowed to update the finalizers subresource in all
// namespaces. A failing authorizer is an internal error, never an allow.
func (r Rule) Check(ctx context.Context, obj, old runtime.Object) error {
	n, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("check the finalizers of a %T: %w", obj, err))
	}
	o, err := meta.Accessor(old)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("check the finalizers of a %T: %w", old, err))
	}
	if !slices.Contains(o.GetFinalizers(), r.Finalizer) || slices.Contains(n.GetFinalizers(), r.Finalizer) {
		return nil
	}
	u, ok := genericapirequest.UserFrom(ctx)
	if ok && u != nil && slices.Contains(u.GetGroups(), user.SystemPrivilegedGroup) {
		return nil
	}
	who := "an unidentified requester"
	if ok && u != nil {
		who = fmt.Sprintf("user %q", u.GetName())
	}
	if ok && u != nil && r.Authorizer != nil {
		decision, _, err := r.Authorizer.Authorize(ctx, authorizer.AttributesRecord{
			User:            u,
			Verb:            "update",
			APIGroup:        r.Resource.Group,
			APIVersion:      "*",
			Resource:        r.Resource.Resource,
			Subresource:     Subresource,
			ResourceRequest: true,
		})
		if decision == authorizer.DecisionAllow {
			return nil
		}
		if err != nil {
			klog.FromContext(ctx).V(2).Info("Finalizer removal check failed", "resource", r.Resource.String(),
				"object", klog.KObj(n), "user", u.GetName(), "err", err)
			return apierrors.NewInternalError(fmt.Errorf("check who may remove finalizer %s: %w", r.Finalizer, err))
		}
	}
	return apierrors.NewForbidden(r.Resource, n.GetName(), fmt.Errorf(
		"metadata.finalizers: %s may not remove %s: netweave removes it once %s; removing it by hand abandons that, "+
			"and needs update on %s/%s in all namespaces (a cluster operator's right)",
		who, r.Finalizer, r.Holds, r.Resource.String(), Subresource))
}
