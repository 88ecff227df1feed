package inventory

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
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

// typedClient is the part of every generated typed client the controller writes through.
type typedClient[T object] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// statusClient is a typed client of a kind with a status subresource.
type statusClient[T object] interface {
	typedClient[T]
	UpdateStatus(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
}

// opsFor builds the operations of a kind from its lister and its typed client (namespace ""
// for cluster-scoped kinds), so each kind declares only what differs: its id and spec.
func opsFor[T object, C typedClient[T]](resource string, list func() ([]T, error), client func(namespace string) C,
	id func(T) string, spec func(T) any) kindOps[T] {
	return kindOps[T]{
		resource: resource,
		list:     list,
		get: func(ctx context.Context, ns, name string) (T, error) {
			return client(ns).Get(ctx, name, metav1.GetOptions{})
		},
		create: func(ctx context.Context, o T, opts metav1.CreateOptions) (T, error) {
			return client(o.GetNamespace()).Create(ctx, o, opts)
		},
		update: func(ctx context.Context, o T, opts metav1.UpdateOptions) (T, error) {
			return client(o.GetNamespace()).Update(ctx, o, opts)
		},
		delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
			return client(ns).Delete(ctx, name, opts)
		},
		id:   id,
		spec: spec,
	}
}

// withStatus adds the status operations of a kind whose status the controller writes.
func withStatus[T object, C statusClient[T]](ops kindOps[T], client func(namespace string) C,
	status func(T) any, setStatus func(dst, src T), keepStatus ...func(desired, live T)) kindOps[T] {
	ops.status = status
	ops.setStatus = setStatus
	if len(keepStatus) > 0 {
		ops.keepStatus = keepStatus[0]
	}
	ops.updateStatus = func(ctx context.Context, o T, opts metav1.UpdateOptions) (T, error) {
		return client(o.GetNamespace()).UpdateStatus(ctx, o, opts)
	}
	return ops
}

func newO2Kinds(client versioned.Interface, inf o2informers.Interface) o2Kinds {
	c := client.O2imsV1alpha1()
	everything := labels.Everything()
	return o2Kinds{
		resources: withStatus(opsFor("resources",
			func() ([]*v1alpha1.O2Resource, error) { return inf.O2Resources().Lister().List(everything) },
			c.O2Resources,
			func(o *v1alpha1.O2Resource) string { return o.Spec.ResourceID },
			func(o *v1alpha1.O2Resource) any { return o.Spec }),
			c.O2Resources,
			func(o *v1alpha1.O2Resource) any { return o.Status },
			func(dst, src *v1alpha1.O2Resource) { dst.Status = src.Status }),
		pools: withStatus(opsFor("resourcepools",
			func() ([]*v1alpha1.ResourcePool, error) { return inf.ResourcePools().Lister().List(everything) },
			c.ResourcePools,
			func(o *v1alpha1.ResourcePool) string { return o.Spec.ResourcePoolID },
			func(o *v1alpha1.ResourcePool) any { return o.Spec }),
			c.ResourcePools,
			func(o *v1alpha1.ResourcePool) any { return o.Status },
			func(dst, src *v1alpha1.ResourcePool) { dst.Status = src.Status }),
		types: opsFor("resourcetypes",
			func() ([]*v1alpha1.ResourceType, error) { return inf.ResourceTypes().Lister().List(everything) },
			c.ResourceTypes,
			func(o *v1alpha1.ResourceType) string { return o.Spec.ResourceTypeID },
			func(o *v1alpha1.ResourceType) any { return o.Spec }),
		managers: withStatus(opsFor("deploymentmanagers",
			func() ([]*v1alpha1.DeploymentManager, error) {
				return inf.DeploymentManagers().Lister().List(everything)
			},
			c.DeploymentManagers,
			func(o *v1alpha1.DeploymentManager) string { return o.Spec.DeploymentManagerID },
			func(o *v1alpha1.DeploymentManager) any { return o.Spec }),
			c.DeploymentManagers,
			func(o *v1alpha1.DeploymentManager) any { return o.Status },
			func(dst, src *v1alpha1.DeploymentManager) { dst.Status = src.Status },
			// A member's conditions are timed by this process's first check of it (a restart,
			// a new leader): a status that did not change keeps the time it last changed.
			func(desired, live *v1alpha1.DeploymentManager) {
				keepTransitionTimes(desired.Status.Conditions, live.Status.Conditions)
			}),
		locations: opsFor("locations",
			func() ([]*v1alpha1.Location, error) { return inf.Locations().Lister().List(everything) },
			c.Locations,
			func(o *v1alpha1.Location) string { return o.Spec.GlobalLocationID },
			func(o *v1alpha1.Location) any { return o.Spec }),
		sites: opsFor("ocloudsites",
			func() ([]*v1alpha1.OCloudSite, error) { return inf.OCloudSites().Lister().List(everything) },
			c.OCloudSites,
			func(o *v1alpha1.OCloudSite) string { return o.Spec.OCloudSiteID },
			func(o *v1alpha1.OCloudSite) any { return o.Spec }),
		oclouds: opsFor("oclouds",
			func() ([]*v1alpha1.OCloud, error) { return inf.OClouds().Lister().List(everything) },
			// Cluster-scoped: the namespace is always "".
			func(string) typedClient[*v1alpha1.OCloud] { return c.OClouds() },
			func(o *v1alpha1.OCloud) string { return o.Spec.OCloudID },
			func(o *v1alpha1.OCloud) any { return o.Spec }),
		poolsLister: func(ns, name string) (*v1alpha1.ResourcePool, error) {
			return inf.ResourcePools().Lister().ResourcePools(ns).Get(name)
		},
	}
}

// keepTransitionTimes gives each condition of desired whose type and status the live
// conditions hold the live lastTransitionTime: as Kubernetes' conventions have it, the time
// changes only when the status does.
func keepTransitionTimes(desired, live []metav1.Condition) {
	for i := range desired {
		if c := meta.FindStatusCondition(live, desired[i].Type); c != nil && c.Status == desired[i].Status {
			desired[i].LastTransitionTime = c.LastTransitionTime
		}
	}
}
