package redis

import (
	"context"
	"errors"
	"k8s.io/klog/v2"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// uniqueKeyOf is the value the write scripts index for obj: "" when the
// store has no unique index or the object holds no value.
func (s *Store) uniqueKeyOf(obj runtime.Object) (string, error) {
	if s.cfg.UniqueIndex == nil {
		return "", nil
	}
	return s.cfg.UniqueIndex.KeyOf(obj)
}

// uniqueConflict is the error of a write whose unique value another object
// holds. It is an API status error rather than a storage error on purpose:
// the registry passes those through unchanged (storage errors of the
// "exists" kind would become "AlreadyExists" on create, which names the
// wrong object), so the user sees 409 Conflict naming the field and value.
func (s *Store) uniqueConflict(obj runtime.Object, holderKey string) error {
	idx := s.cfg.UniqueIndex
	value, err := idx.Value(obj)
	if err != nil {
		value = "(unreadable)"
	}
	var name string
	if accessor, err := meta.Accessor(obj); err == nil {
		name = accessor.GetName()
	}
	// Operators find the holder in the log; the caller may not be allowed to know it.
	klog.V(2).InfoS("Unique value already held", "resource", s.groupResource, "field", idx.Field, "value", value,
		"holder", strings.TrimPrefix(holderKey, s.resourceKey), "writer", name)
	return apierrors.NewConflict(s.groupResource, name, errors.New(idx.ConflictMessage(value)))
}

// KeyForUniqueValue returns the storage key of the object holding value in
// the unique index (Config.UniqueIndex), in the form callers pass to the
// store (e.g. "/pods/ns/name"), with one HGET. The comparison is
// case-insensitive, like the index.
func (s *Store) KeyForUniqueValue(ctx context.Context, value string) (key string, found bool, err error) {
	if s.cfg.UniqueIndex == nil {
		return "", false, errors.New("redis storage keyForUniqueValue: the store has no unique index")
	}
	start := time.Now()
	prepared, err := s.client.HGet(ctx, s.keys.unique, unique.Key(value)).Result()
	if errors.Is(err, goredis.Nil) {
		err = nil
	}
	s.recordRequest(ctx, "keyForUniqueValue", err, start)
	if err != nil {
		return "", false, requestError("keyForUniqueValue", value, err)
	}
	if prepared == "" {
		return "", false, nil
	}
	// Undo prepareKey: callers never see the path prefix.
	return "/" + strings.TrimPrefix(prepared, s.pathPrefix), true, nil
}
