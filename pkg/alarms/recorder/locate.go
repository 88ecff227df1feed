package recorder

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/alarms"
)

// resourceIDIndex indexes Resources by their O2 id.
const resourceIDIndex = "alarms.netweave.io/resource-id"

// LocateResources returns a Sink that stores the alarms of a Resource in the namespace the
// Resource lives in now, before handing them to next. A node's Resource is in the inventory
// namespace unless an admin pool of another namespace claims the node; an alarm must be where
// the object is, so that who may read the object is who may read its alarms. resources must
// not have started yet.
func LocateResources(next alarms.Sink, resources cache.SharedIndexInformer) (alarms.Sink, error) {
	if err := resources.AddIndexers(cache.Indexers{resourceIDIndex: func(obj any) ([]string, error) {
		r, ok := obj.(*v1alpha1.O2Resource)
		if !ok {
			return nil, fmt.Errorf("index resource by id: %T is not a Resource", obj)
		}
		return []string{r.Spec.ResourceID}, nil
	}}); err != nil {
		return nil, fmt.Errorf("alarm recorder: index resources: %w", err)
	}
	return &locator{next: next, resources: resources.GetIndexer()}, nil
}

type locator struct {
	next      alarms.Sink
	resources cache.Indexer
}

func (l *locator) locate(o alarms.Observation) alarms.Observation {
	if o.Object.Class != "Resource" {
		return o
	}
	objs, err := l.resources.ByIndex(resourceIDIndex, o.Object.ID)
	if err != nil || len(objs) != 1 {
		// Unknown (not synced yet) or ambiguous: keep the namespace the source gave.
		return o
	}
	o.Object.Namespace = objs[0].(*v1alpha1.O2Resource).Namespace
	return o
}

func (l *locator) Observe(ctx context.Context, o alarms.Observation) error {
	return l.next.Observe(ctx, l.locate(o))
}

func (l *locator) Sync(ctx context.Context, source string, active []alarms.Observation, asOf time.Time) error {
	located := make([]alarms.Observation, len(active))
	for i, o := range active {
		located[i] = l.locate(o)
	}
	return l.next.Sync(ctx, source, located, asOf)
}
