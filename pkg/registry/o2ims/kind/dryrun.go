package kind

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/util/dryrun"

	"github.com/netweave-io/netweave/apis/o2ims"
)

// uniqueLookup is implemented by netweave's storage (the cache over the Redis store).
type uniqueLookup interface {
	KeyForUniqueValue(ctx context.Context, value string) (key string, found bool, err error)
}

// dryRunIDCheck makes a server-side dry-run create report a held O2 id as a real create
// would. Real creates are checked atomically by the store's write script, but dry-run
// storage never calls the store's Create, so `kubectl apply --dry-run=server` would
// otherwise promise a create that then fails.
func (k *Kind) dryRunIDCheck(store *registry.Store) registry.BeginCreateFunc {
	return func(ctx context.Context, obj runtime.Object, options *metav1.CreateOptions) (registry.FinishFunc, error) {
		done := func(context.Context, bool) {}
		if options == nil || !dryrun.IsDryRun(options.DryRun) {
			return done, nil
		}
		id := *k.ID(obj)
		if id == "" {
			return done, nil // the strategy assigns a fresh UUID
		}
		lookup, ok := store.Storage.Storage.(uniqueLookup)
		if !ok {
			return done, nil
		}
		_, held, err := lookup.KeyForUniqueValue(ctx, id)
		if err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("check %s %s: %w", k.IDPath, id, err))
		}
		if held {
			idx := k.IDIndex()
			name := ""
			if m, ok := obj.(metav1.Object); ok {
				name = m.GetName()
			}
			return nil, apierrors.NewConflict(o2ims.Resource(k.Resource), name, errors.New(idx.ConflictMessage(id)))
		}
		return done, nil
	}
}
