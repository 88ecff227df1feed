package recorder

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/hashindex"
)

// resourceIDField is the field holding a Resource's O2 id. Its hashed index (pkg/hashindex) is
// the one the O2 REST face reads Resources by id with: both add it under the same name, so the
// shared informer keeps it once.
const resourceIDField = "spec.resourceId"

// LocateResources returns a Sink that stores the alarms of a Resource in the namespace the
// Resource lives in now, before handing them to next. A node's Resource is in the inventory
// namespace unless an admin pool of another namespace claims the node; an alarm must be where
// the object is, so that who may read the object is who may read its alarms. resources must
// not have started yet, or already have the index.
func LocateResources(next alarms.Sink, resources cache.SharedIndexInformer) (alarms.Sink, error) {
	index := hashindex.Name(resourceIDField)
	if _, ok := resources.GetIndexer().GetIndexers()[index]; !ok {
		if err := resources.AddIndexers(cache.Indexers{index: hashindex.IndexFunc(hashindex.Field(resourceIDField))}); err != nil {
			return nil, fmt.Errorf("alarm recorder: index resources: %w", err)
		}
	}
	return &locator{next: next, resources: resources.GetIndexer(), index: index, id: hashindex.Field(resourceIDField)}, nil
}

type locator struct {
	next      alarms.Sink
	resources cache.Indexer
	index     string
	id        hashindex.ValueFunc
}

func (l *locator) locate(o alarms.Observation) alarms.Observation {
	if o.Object.Class != "Resource" {
		return o
	}
	obj, _, n, err := hashindex.Find(l.resources, l.index, l.id, hashindex.Fold(o.Object.ID))
	if err != nil || n != 1 {
		// Unknown (not synced yet) or ambiguous: keep the namespace the source gave.
		return o
	}
	r, ok := obj.(*v1alpha1.O2Resource)
	if !ok {
		return o
	}
	o.Object.Namespace = r.Namespace
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

func (l *locator) SyncScope(ctx context.Context, source string, active []alarms.Observation, asOf time.Time, scope alarms.Scope) error {
	located := make([]alarms.Observation, len(active))
	for i, o := range active {
		located[i] = l.locate(o)
	}
	return l.next.SyncScope(ctx, source, located, asOf, scope)
}
