package inventory

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	o2informers "github.com/netweave-io/netweave/generated/informers/externalversions/o2ims/v1alpha1"
)

// o2Kinds are the operations on every kind the controller writes, reading through informers
// and writing through the client.
type o2Kinds struct {
	resources   kindOps[*v1alpha1.O2Resource]
	pools       kindOps[*v1alpha1.ResourcePool]
	types       kindOps[*v1alpha1.ResourceType]
	managers    kindOps[*v1alpha1.DeploymentManager]
	locations   kindOps[*v1alpha1.Location]
	sites       kindOps[*v1alpha1.OCloudSite]
	oclouds     kindOps[*v1alpha1.OCloud]
	poolsLister func(namespace, name string) (*v1alpha1.ResourcePool, error)
}

func newO2Kinds(client versioned.Interface, inf o2informers.Interface) o2Kinds {
	c := client.O2imsV1alpha1()
	return o2Kinds{
		resources: kindOps[*v1alpha1.O2Resource]{
			resource: "resources",
			list:     func() ([]*v1alpha1.O2Resource, error) { return inf.O2Resources().Lister().List(labels.Everything()) },
			get: func(ctx context.Context, ns, name string) (*v1alpha1.O2Resource, error) {
				return c.O2Resources(ns).Get(ctx, name, metav1.GetOptions{})
			},
			create: func(ctx context.Context, o *v1alpha1.O2Resource, opts metav1.CreateOptions) (*v1alpha1.O2Resource, error) {
				return c.O2Resources(o.Namespace).Create(ctx, o, opts)
			},
			update: func(ctx context.Context, o *v1alpha1.O2Resource, opts metav1.UpdateOptions) (*v1alpha1.O2Resource, error) {
				return c.O2Resources(o.Namespace).Update(ctx, o, opts)
			},
			delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
				return c.O2Resources(ns).Delete(ctx, name, opts)
			},
			id:        func(o *v1alpha1.O2Resource) string { return o.Spec.ResourceID },
			spec:      func(o *v1alpha1.O2Resource) any { return o.Spec },
			status:    func(o *v1alpha1.O2Resource) any { return o.Status },
			setStatus: func(dst, src *v1alpha1.O2Resource) { dst.Status = src.Status },
			updateStatus: func(ctx context.Context, o *v1alpha1.O2Resource, opts metav1.UpdateOptions) (*v1alpha1.O2Resource, error) {
				return c.O2Resources(o.Namespace).UpdateStatus(ctx, o, opts)
			},
		},
		pools: kindOps[*v1alpha1.ResourcePool]{
			resource: "resourcepools",
			list: func() ([]*v1alpha1.ResourcePool, error) {
				return inf.ResourcePools().Lister().List(labels.Everything())
			},
			get: func(ctx context.Context, ns, name string) (*v1alpha1.ResourcePool, error) {
				return c.ResourcePools(ns).Get(ctx, name, metav1.GetOptions{})
			},
			create: func(ctx context.Context, o *v1alpha1.ResourcePool, opts metav1.CreateOptions) (*v1alpha1.ResourcePool, error) {
				return c.ResourcePools(o.Namespace).Create(ctx, o, opts)
			},
			update: func(ctx context.Context, o *v1alpha1.ResourcePool, opts metav1.UpdateOptions) (*v1alpha1.ResourcePool, error) {
				return c.ResourcePools(o.Namespace).Update(ctx, o, opts)
			},
			delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
				return c.ResourcePools(ns).Delete(ctx, name, opts)
			},
			id:        func(o *v1alpha1.ResourcePool) string { return o.Spec.ResourcePoolID },
			spec:      func(o *v1alpha1.ResourcePool) any { return o.Spec },
			status:    func(o *v1alpha1.ResourcePool) any { return o.Status },
			setStatus: func(dst, src *v1alpha1.ResourcePool) { dst.Status = src.Status },
			updateStatus: func(ctx context.Context, o *v1alpha1.ResourcePool, opts metav1.UpdateOptions) (*v1alpha1.ResourcePool, error) {
				return c.ResourcePools(o.Namespace).UpdateStatus(ctx, o, opts)
			},
		},
		types: kindOps[*v1alpha1.ResourceType]{
			resource: "resourcetypes",
			list: func() ([]*v1alpha1.ResourceType, error) {
				return inf.ResourceTypes().Lister().List(labels.Everything())
			},
			get: func(ctx context.Context, ns, name string) (*v1alpha1.ResourceType, error) {
				return c.ResourceTypes(ns).Get(ctx, name, metav1.GetOptions{})
			},
			create: func(ctx context.Context, o *v1alpha1.ResourceType, opts metav1.CreateOptions) (*v1alpha1.ResourceType, error) {
				return c.ResourceTypes(o.Namespace).Create(ctx, o, opts)
			},
			update: func(ctx context.Context, o *v1alpha1.ResourceType, opts metav1.UpdateOptions) (*v1alpha1.ResourceType, error) {
				return c.ResourceTypes(o.Namespace).Update(ctx, o, opts)
			},
			delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
				return c.ResourceTypes(ns).Delete(ctx, name, opts)
			},
			id:   func(o *v1alpha1.ResourceType) string { return o.Spec.ResourceTypeID },
			spec: func(o *v1alpha1.ResourceType) any { return o.Spec },
		},
		managers: kindOps[*v1alpha1.DeploymentManager]{
			resource: "deploymentmanagers",
			list: func() ([]*v1alpha1.DeploymentManager, error) {
				return inf.DeploymentManagers().Lister().List(labels.Everything())
			},
			get: func(ctx context.Context, ns, name string) (*v1alpha1.DeploymentManager, error) {
				return c.DeploymentManagers(ns).Get(ctx, name, metav1.GetOptions{})
			},
			create: func(ctx context.Context, o *v1alpha1.DeploymentManager, opts metav1.CreateOptions) (*v1alpha1.DeploymentManager, error) {
				return c.DeploymentManagers(o.Namespace).Create(ctx, o, opts)
			},
			update: func(ctx context.Context, o *v1alpha1.DeploymentManager, opts metav1.UpdateOptions) (*v1alpha1.DeploymentManager, error) {
				return c.DeploymentManagers(o.Namespace).Update(ctx, o, opts)
			},
			delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
				return c.DeploymentManagers(ns).Delete(ctx, name, opts)
			},
			id:   func(o *v1alpha1.DeploymentManager) string { return o.Spec.DeploymentManagerID },
			spec: func(o *v1alpha1.DeploymentManager) any { return o.Spec },
		},
		locations: kindOps[*v1alpha1.Location]{
			resource: "locations",
			list:     func() ([]*v1alpha1.Location, error) { return inf.Locations().Lister().List(labels.Everything()) },
			get: func(ctx context.Context, ns, name string) (*v1alpha1.Location, error) {
				return c.Locations(ns).Get(ctx, name, metav1.GetOptions{})
			},
			create: func(ctx context.Context, o *v1alpha1.Location, opts metav1.CreateOptions) (*v1alpha1.Location, error) {
				return c.Locations(o.Namespace).Create(ctx, o, opts)
			},
			update: func(ctx context.Context, o *v1alpha1.Location, opts metav1.UpdateOptions) (*v1alpha1.Location, error) {
				return c.Locations(o.Namespace).Update(ctx, o, opts)
			},
			delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
				return c.Locations(ns).Delete(ctx, name, opts)
			},
			id:   func(o *v1alpha1.Location) string { return o.Spec.GlobalLocationID },
			spec: func(o *v1alpha1.Location) any { return o.Spec },
		},
		sites: kindOps[*v1alpha1.OCloudSite]{
			resource: "ocloudsites",
			list:     func() ([]*v1alpha1.OCloudSite, error) { return inf.OCloudSites().Lister().List(labels.Everything()) },
			get: func(ctx context.Context, ns, name string) (*v1alpha1.OCloudSite, error) {
				return c.OCloudSites(ns).Get(ctx, name, metav1.GetOptions{})
			},
			create: func(ctx context.Context, o *v1alpha1.OCloudSite, opts metav1.CreateOptions) (*v1alpha1.OCloudSite, error) {
				return c.OCloudSites(o.Namespace).Create(ctx, o, opts)
			},
			update: func(ctx context.Context, o *v1alpha1.OCloudSite, opts metav1.UpdateOptions) (*v1alpha1.OCloudSite, error) {
				return c.OCloudSites(o.Namespace).Update(ctx, o, opts)
			},
			delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
				return c.OCloudSites(ns).Delete(ctx, name, opts)
			},
			id:   func(o *v1alpha1.OCloudSite) string { return o.Spec.OCloudSiteID },
			spec: func(o *v1alpha1.OCloudSite) any { return o.Spec },
		},
		oclouds: kindOps[*v1alpha1.OCloud]{
			resource: "oclouds",
			list:     func() ([]*v1alpha1.OCloud, error) { return inf.OClouds().Lister().List(labels.Everything()) },
			get: func(ctx context.Context, _, name string) (*v1alpha1.OCloud, error) {
				return c.OClouds().Get(ctx, name, metav1.GetOptions{})
			},
			create: func(ctx context.Context, o *v1alpha1.OCloud, opts metav1.CreateOptions) (*v1alpha1.OCloud, error) {
				return c.OClouds().Create(ctx, o, opts)
			},
			update: func(ctx context.Context, o *v1alpha1.OCloud, opts metav1.UpdateOptions) (*v1alpha1.OCloud, error) {
				return c.OClouds().Update(ctx, o, opts)
			},
			delete: func(ctx context.Context, _, name string, opts metav1.DeleteOptions) error {
				return c.OClouds().Delete(ctx, name, opts)
			},
			id:   func(o *v1alpha1.OCloud) string { return o.Spec.OCloudID },
			spec: func(o *v1alpha1.OCloud) any { return o.Spec },
		},
		poolsLister: func(ns, name string) (*v1alpha1.ResourcePool, error) {
			return inf.ResourcePools().Lister().ResourcePools(ns).Get(name)
		},
	}
}
