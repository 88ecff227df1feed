package inventory

import (
	"context"

	"k8s.io/component-base/metrics"
)

// Kind is one O2 kind that another controller keeps equal to what it derives, the way the
// inventory sync keeps its own: the same ownership rule (only objects with LabelManagedBy
// ManagedByInventory, made with ManagedMeta, are ever written or deleted), the same
// create-update-delete order and the same comparison of what the API stores.
type Kind[T object] struct {
	ops kindOps[T]
}

// NewKind describes a kind to Sync: its plural resource name (for logs and metrics), how to
// list the cached objects, its typed client per namespace ("" for cluster-scoped kinds), and
// its O2 id and spec.
func NewKind[T object, C typedClient[T]](resource string, list func() ([]T, error), client func(namespace string) C,
	id func(T) string, spec func(T) any) Kind[T] {
	return Kind[T]{ops: opsFor(resource, list, client, id, spec)}
}

// Writer performs a controller's writes as its field manager.
type Writer struct {
	w writer
}

// NewWriter returns the writer of fieldManager that counts its writes in writes (labels
// resource and verb) when it is not nil.
func NewWriter(fieldManager string, writes *metrics.CounterVec) Writer {
	return Writer{w: writer{fieldManager: fieldManager, writes: writes}}
}

// Sync makes the managed objects of the kind among existing (cached objects; those without the
// managed-by label are ignored) equal desired: creates, updates, and deletes what is no longer
// desired.
func (k Kind[T]) Sync(ctx context.Context, w Writer, desired, existing []T) error {
	return syncKind(ctx, w.w, k.ops, desired, existing)
}

// SyncAll is Sync against every cached object of the kind.
func (k Kind[T]) SyncAll(ctx context.Context, w Writer, desired []T) error {
	return syncAll(ctx, w.w, k.ops, desired)
}
