package inventory

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// Adapter maps one source of infrastructure to O2 objects. Resources are tied to one source
// object each (a Node); everything else (the O-Cloud, pools, types, managers, locations, sites)
// is derived from the whole source and computed by Shared.
type Adapter interface {
	// Start watches the source until ctx is done, telling n about every change, and returns
	// once its caches are synced.
	Start(ctx context.Context, n Notifier) error
	// Sources lists the keys of the source objects that exist now.
	Sources() ([]string, error)
	// Resources returns the Resources source key should have; none when it is gone.
	Resources(key string) ([]*v1alpha1.O2Resource, error)
	// Shared returns everything that is not tied to one source object.
	Shared() (*Shared, error)
}

// Notifier is how an adapter asks for reconciliation.
type Notifier interface {
	// SourceChanged asks to reconcile the Resources of key (and the shared objects, whose
	// counts and sums depend on it).
	SourceChanged(key string)
	// SharedChanged asks to reconcile the shared objects only.
	SharedChanged()
	// AllChanged asks to reconcile every source and the shared objects, after a change that can
	// move any resource (a pool selector, a Cluster API MachineSet).
	AllChanged()
}

// Shared is the desired state of the objects derived from the whole source.
type Shared struct {
	// OCloud is the singleton; nil leaves it alone.
	OCloud             *v1alpha1.OCloud
	ResourceTypes      []*v1alpha1.ResourceType
	ResourcePools      []*v1alpha1.ResourcePool
	DeploymentManagers []*v1alpha1.DeploymentManager
	Locations          []*v1alpha1.Location
	OCloudSites        []*v1alpha1.OCloudSite
	// ForeignPools are the statuses of pools admins declared (spec.nodeSelector), whose status
	// the controller owns but whose spec it never touches: those that claim Nodes, those whose
	// selector is ignored (outside the node pool namespaces, or unparsable), and those that
	// stopped selecting Nodes but still carry the controller's condition.
	ForeignPools map[types.NamespacedName]ForeignPoolStatus
}

// ForeignPoolStatus is the part of an admin pool's status the controller owns.
type ForeignPoolStatus struct {
	// ResourceCount is the number of Resources the pool holds (0 when its selector is ignored).
	ResourceCount int32
	// NodeSelector is the pool's NodeSelectorAccepted condition (type, status, reason,
	// message); nil removes it, for a pool that no longer selects Nodes.
	NodeSelector *metav1.Condition
}
