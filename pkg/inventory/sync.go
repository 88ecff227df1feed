package inventory

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/hashindex"
)

// syncSource makes the Resources of one source object what the adapter says: created,
// updated, moved to another namespace (deleted there, created here, same id) or deleted.
func (c *Controller) syncSource(ctx context.Context, key string) error {
	desired, err := c.cfg.Adapter.Resources(key)
	if err != nil {
		return err
	}
	objs, err := hashindex.All(c.index, sourceIndex, sourceOf, clusterSourceKey(c.cfg.Cluster, key))
	if err != nil {
		return fmt.Errorf("look up resources of %s: %w", key, err)
	}
	for _, r := range desired {
		c.placeInCluster(r, false)
	}
	existing := make([]*v1alpha1.O2Resource, 0, len(objs))
	for _, o := range objs {
		if r, ok := o.(*v1alpha1.O2Resource); ok {
			existing = append(existing, r)
		}
	}
	return syncKind(ctx, c.w, c.kinds.resources, desired, existing)
}

// syncShared makes every shared object what the adapter says, and corrects the resource
// counts of admin pools.
func (c *Controller) syncShared(ctx context.Context) error {
	s, err := c.cfg.Adapter.Shared()
	if err != nil {
		return err
	}
	k := c.kinds
	if c.cfg.Cluster != "" {
		return c.syncMemberShared(ctx, s)
	}
	var oclouds []*v1alpha1.OCloud
	if s.OCloud != nil {
		oclouds = []*v1alpha1.OCloud{s.OCloud}
		if cur, err := k.oclouds.list(); err == nil {
			for _, o := range cur {
				if o.Name == s.OCloud.Name && !IsManaged(o) {
					// An admin declared the O-Cloud; theirs stays.
					oclouds = nil
				}
			}
		}
	}
	errs := []error{
		syncAll(ctx, c.w, k.oclouds, oclouds),
		syncAll(ctx, c.w, k.locations, s.Locations),
		syncAll(ctx, c.w, k.sites, s.OCloudSites),
		syncAll(ctx, c.w, k.types, s.ResourceTypes),
		syncAll(ctx, c.w, k.pools, s.ResourcePools),
		syncAll(ctx, c.w, k.managers, s.DeploymentManagers),
	}
	for key, st := range s.ForeignPools {
		errs = append(errs, c.setForeignStatus(ctx, key.Namespace, key.Name, st))
	}
	return errors.Join(errs...)
}

// syncMemberShared is syncShared for a member cluster: its objects carry its name, and the
// O-Cloud and admin pools are the local cluster's controller's.
func (c *Controller) syncMemberShared(ctx context.Context, s *Shared) error {
	k := c.kinds
	errs := []error{
		syncAll(ctx, c.w, k.locations, placeAll(c, s.Locations)),
		syncAll(ctx, c.w, k.sites, placeAll(c, s.OCloudSites)),
		syncAll(ctx, c.w, k.types, placeAll(c, s.ResourceTypes)),
		syncAll(ctx, c.w, k.pools, placeAll(c, s.ResourcePools)),
	}
	for _, dm := range s.DeploymentManagers {
		c.placeInCluster(dm, true)
	}
	errs = append(errs, syncAll(ctx, c.w, k.managers, s.DeploymentManagers))
	return errors.Join(errs...)
}

func placeAll[T object](c *Controller, objs []T) []T {
	for _, o := range objs {
		c.placeInCluster(o, false)
	}
	return objs
}

// placeInCluster labels an object a member's adapter derived with the member's name and
// prefixes its name with it, so members' objects never collide with each other's (nor with
// the local cluster's, whose names carry no prefix). The member's deployment manager is named
// after the member alone; a tenant's member's objects also name the tenant. Objects of the
// local cluster are left as they are.
func (c *Controller) placeInCluster(obj metav1.Object, named bool) {
	member := c.cfg.Cluster
	if member == "" {
		return
	}
	labels := maps.Clone(obj.GetLabels())
	if labels == nil {
		labels = map[string]string{}
	}
	labels[v1alpha1.LabelCluster] = member
	if c.cfg.Tenant != "" {
		labels[v1alpha1.LabelTenant] = c.cfg.Tenant
	}
	obj.SetLabels(labels)
	if named {
		obj.SetName(ObjectName(member))
	} else {
		obj.SetName(ObjectName(member, obj.GetName()))
	}
}

func syncAll[T object](ctx context.Context, w writer, ops kindOps[T], desired []T) error {
	existing, err := ops.list()
	if err != nil {
		return fmt.Errorf("list %s: %w", ops.resource, err)
	}
	return syncKind(ctx, w, ops, desired, existing)
}

// setForeignStatus writes the controller's part of an admin pool's status (its resource count
// and NodeSelectorAccepted condition); the pool's spec is the admin's.
func (c *Controller) setForeignStatus(ctx context.Context, namespace, name string, want ForeignPoolStatus) error {
	p, err := c.kinds.poolsLister(namespace, name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get resource pool %s/%s: %w", namespace, name, err)
	}
	if IsManaged(p) {
		return nil
	}
	u := p.DeepCopy()
	u.Status.ResourceCount = want.ResourceCount
	if want.NodeSelector != nil {
		cond := *want.NodeSelector
		cond.ObservedGeneration = p.Generation
		meta.SetStatusCondition(&u.Status.Conditions, cond)
	} else {
		meta.RemoveStatusCondition(&u.Status.Conditions, v1alpha1.ResourcePoolNodeSelectorAccepted)
	}
	if equality.Semantic.DeepEqual(u.Status, p.Status) {
		return nil
	}
	if cond := want.NodeSelector; cond != nil && cond.Status != metav1.ConditionTrue {
		klog.V(2).InfoS("Resource pool's nodeSelector ignored; it claims no Nodes", "pool", klog.KObj(p), "reason", cond.Reason, "message", cond.Message)
	}
	if _, err := c.kinds.pools.updateStatus(ctx, u, metav1.UpdateOptions{FieldManager: c.w.fieldManager}); err != nil {
		return fmt.Errorf("update status of pool %s/%s: %w", namespace, name, err)
	}
	c.w.count("resourcepools", "update-status")
	return nil
}
