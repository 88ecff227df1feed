package inventory

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
)

// PurgeCluster deletes every synced object of the member cluster (Resources first, then the
// objects they refer to), reading through inf, which must have synced. Objects of other
// clusters, and admins' objects, are left alone.
func PurgeCluster(ctx context.Context, client versioned.Interface, inf externalversions.SharedInformerFactory,
	fieldManager string, m *Metrics, cluster string) error {
	if cluster == "" {
		return errors.New("purge: no member cluster named; the local cluster's inventory is never purged")
	}
	k := newO2Kinds(client, inf.O2ims().V1alpha1())
	w := writer{fieldManager: fieldManager, writes: m.writes(), owner: Owner{Cluster: cluster}}
	return errors.Join(
		syncAll(ctx, w, k.resources, nil),
		syncAll(ctx, w, k.pools, nil),
		syncAll(ctx, w, k.types, nil),
		syncAll(ctx, w, k.managers, nil),
		syncAll(ctx, w, k.sites, nil),
		syncAll(ctx, w, k.locations, nil),
	)
}

// SyncedClusters returns the names of the member clusters that have synced objects, reading
// through inf, which must have synced.
func SyncedClusters(inf externalversions.SharedInformerFactory) (sets.Set[string], error) {
	o2 := inf.O2ims().V1alpha1()
	out := sets.New[string]()
	lists := []func() ([]any, error){
		listAny(o2.O2Resources().Lister().List),
		listAny(o2.ResourcePools().Lister().List),
		listAny(o2.ResourceTypes().Lister().List),
		listAny(o2.DeploymentManagers().Lister().List),
		listAny(o2.OCloudSites().Lister().List),
		listAny(o2.Locations().Lister().List),
	}
	for _, list := range lists {
		objs, err := list()
		if err != nil {
			return nil, fmt.Errorf("list synced objects: %w", err)
		}
		for _, o := range objs {
			if m, err := metaOf(o); err == nil && IsManaged(m) && ClusterOf(m) != "" {
				out.Insert(ClusterOf(m))
			}
		}
	}
	return out, nil
}

// listAny adapts a typed lister's List to a list of any, selecting everything.
func listAny[T any](list func(labels.Selector) ([]T, error)) func() ([]any, error) {
	return func() ([]any, error) {
		objs, err := list(labels.Everything())
		out := make([]any, 0, len(objs))
		for _, o := range objs {
			out = append(out, o)
		}
		return out, err
	}
}
