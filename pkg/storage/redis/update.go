package redis

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"time"

	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/value"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
)

// objState is the object as last read (or as suggested by the caller) that a
// conditional write is based on.
type objState struct {
	obj   runtime.Object
	meta  *storage.ResponseMeta
	rev   int64
	data  []byte
	stale bool
	// mark is what the guard knew before the state was read: the write based on it is fenced
	// with it, so that a store that went back after the read refuses the write even when
	// this process noticed before the write was sent.
	mark epochMark
}

// GuaranteedUpdate implements storage.Interface. The loop is etcd3's:
// optimistic read-modify-write with the mod revision as the CAS token; the
// write script hands back the current state on conflict, so a retry costs one
// round trip.
func (s *Store) GuaranteedUpdate(
	ctx context.Context, key string, destination runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, cachedExistingObject runtime.Object) error {
	preparedKey, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(destination)
	if err != nil {
		return fmt.Errorf("unable to convert output object to pointer: %w", err)
	}
	getCurrentState := func() (*objState, error) {
		return s.readState(ctx, preparedKey, v, ignoreNotFound, false)
	}

	var origState *objState
	var origStateIsCurrent bool
	if cachedExistingObject != nil {
		origState, err = s.stateFromObject(cachedExistingObject)
	}
	if origState == nil && err == nil {
		origState, err = getCurrentState()
		origStateIsCurrent = true
	}
	if err != nil {
		return err
	}

	for {
		if err := preconditions.Check(preparedKey, origState.obj); err != nil {
			if origStateIsCurrent {
				return err
			}
			if origState, err = getCurrentState(); err != nil {
				return err
			}
			origStateIsCurrent = true
			continue
		}

		ret, ttl, err := s.applyUpdate(origState, tryUpdate)
		if err != nil {
			if origStateIsCurrent {
				return err
			}
			// The suggestion may have been stale: only a fresh read can tell
			// whether the update function's error is real.
			cachedRev, cachedErr := origState.rev, err
			if origState, err = getCurrentState(); err != nil {
				return err
			}
			origStateIsCurrent = true
			if cachedRev == origState.rev {
				return cachedErr
			}
			continue
		}

		data, err := runtime.Encode(s.codec, ret)
		if err != nil {
			return err
		}
		if !origState.stale && bytes.Equal(data, origState.data) {
			// A no-op update must not bump the revision, but we may only skip
			// the write once we know the stored bytes really are these.
			if !origStateIsCurrent {
				if origState, err = getCurrentState(); err != nil {
					return err
				}
				origStateIsCurrent = true
				if !bytes.Equal(data, origState.data) {
					continue
				}
			}
			if !origState.stale {
				return s.decode(origState.data, destination, origState.rev)
			}
		}

		if _, err := s.readsBack(data, destination); err != nil {
			return err
		}
		stored, err := s.getTransformer().TransformToStorage(ctx, data, value.DefaultContext(preparedKey))
		if err != nil {
			return storage.NewInternalError(err)
		}
		uniqueValue, err := s.uniqueKeyOf(ret)
		if err != nil {
			return fmt.Errorf("redis storage update %q: %w", preparedKey, err)
		}
		m := origState.mark
		res, err := s.put(ctx, "update", preparedKey, m, origState.rev, stored, ttl, uniqueValue, true)
		if err != nil {
			return err
		}
		if res.wentBack {
			// The update was computed from an object of a store that is gone (the cache's
			// copy, or a read just before a wipe): compute it again from what is there now.
			s.logger().V(4).Info("GuaranteedUpdate found the store went back, retrying from a fresh read", "key", preparedKey)
			if origState, err = getCurrentState(); err != nil {
				return err
			}
			origStateIsCurrent = true
			continue
		}
		if res.uniqueHolder != "" {
			// Not a lost race: retrying cannot help while the holder lives.
			return s.uniqueConflict(ret, res.uniqueHolder)
		}
		if !res.ok {
			s.logger().V(4).Info("GuaranteedUpdate conflict, retrying", "key", preparedKey)
			origState, err = s.stateFromStored(ctx, preparedKey, v, ignoreNotFound, false, res.curValue, res.curRev)
			if err != nil {
				return err
			}
			// Read by the write that passed the fence with m.
			origState.mark = m
			origStateIsCurrent = true
			continue
		}
		return s.setRevision(destination, res.rev)
	}
}

// Delete implements storage.Interface.
func (s *Store) Delete(
	ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions,
	validateDeletion storage.ValidateObjectFunc, cachedExistingObject runtime.Object, opts storage.DeleteOptions) error {
	preparedKey, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(out)
	if err != nil {
		return fmt.Errorf("unable to convert output object to pointer: %w", err)
	}
	expectCorrupt := utilfeature.DefaultFeatureGate.Enabled(features.AllowUnsafeMalformedObjectDeletion) && opts.ExpectTransformOrDecodeError
	getCurrentState := func() (*objState, error) {
		return s.readState(ctx, preparedKey, v, false, expectCorrupt)
	}

	var origState *objState
	var origStateIsCurrent bool
	if cachedExistingObject != nil && !expectCorrupt {
		origState, err = s.stateFromObject(cachedExistingObject)
	}
	if origState == nil && err == nil {
		origState, err = getCurrentState()
		origStateIsCurrent = true
	}
	if err != nil {
		return err
	}

	// recheck re-reads after a failed check on possibly stale data and tells
	// whether the failure stands (same revision) or the loop should retry.
	recheck := func(checkErr error) (retry bool, err error) {
		if origStateIsCurrent {
			return false, checkErr
		}
		cachedRev := origState.rev
		if origState, err = getCurrentState(); err != nil {
			return false, err
		}
		origStateIsCurrent = true
		if cachedRev == origState.rev {
			return false, checkErr
		}
		return true, nil
	}

	for {
		if preconditions != nil {
			if err := preconditions.Check(preparedKey, origState.obj); err != nil {
				if retry, err := recheck(err); !retry {
					return err
				}
				continue
			}
		}
		if err := validateDeletion(ctx, origState.obj); err != nil {
			if retry, err := recheck(err); !retry {
				return err
			}
			continue
		}

		m := origState.mark
		token := newRevisionToken()
		start := time.Now()
		reply, err := s.write(ctx, m, token, deleteScript, s.writeKeys(preparedKey),
			preparedKey, origState.rev, s.trim.maxLen, s.trim.slack, s.trim.maxBytes, token, m.seen, m.epoch, m.slot())
		s.recordRequest(ctx, "delete", err, start)
		if err != nil {
			return requestError("delete", preparedKey, err)
		}
		res, err := s.parseWriteResult(m, token, reply)
		if err != nil {
			return err
		}
		if res.wentBack {
			// Preconditions and validation were checked against an object of a store that is
			// gone: check them again against what is there now.
			s.logger().V(4).Info("Delete found the store went back, retrying from a fresh read", "key", preparedKey)
			if origState, err = getCurrentState(); err != nil {
				return err
			}
			origStateIsCurrent = true
			continue
		}
		if !res.ok {
			s.logger().V(4).Info("Delete conflict, retrying", "key", preparedKey)
			origState, err = s.stateFromStored(ctx, preparedKey, v, false, expectCorrupt, res.curValue, res.curRev)
			if err != nil {
				return err
			}
			// Read by the write that passed the fence with m.
			origState.mark = m
			origStateIsCurrent = true
			continue
		}
		if expectCorrupt {
			return nil
		}
		// Like etcd, the returned object carries the deletion revision.
		return s.decode(origState.data, out, res.rev)
	}
}

// readState fetches the current object for a conditional write.
func (s *Store) readState(ctx context.Context, preparedKey string, v reflect.Value, ignoreNotFound, expectCorrupt bool) (*objState, error) {
	m := s.guard.mark()
	start := time.Now()
	res, err := getScript.Run(ctx, s.client, s.getKeys(preparedKey), m.seen).Slice()
	s.recordRequest(ctx, "get", err, start)
	if err != nil {
		return nil, requestError("get", preparedKey, err)
	}
	if len(res) != 6 {
		return nil, fmt.Errorf("redis storage get %q: malformed script reply %v", preparedKey, res)
	}
	current, _ := res[0].(int64)
	// A no-op update hands this object out as it is: the guard must have seen its revision.
	s.observeRead(m, current, res[3], res[4], res[5])
	var data []byte
	if str, ok := res[1].(string); ok {
		data = []byte(str)
	}
	modRev, err := parseInt(res[2])
	if err != nil {
		return nil, err
	}
	state, err := s.stateFromStored(ctx, preparedKey, v, ignoreNotFound, expectCorrupt, data, modRev)
	if err != nil {
		return nil, err
	}
	state.mark = m
	return state, nil
}

// stateFromStored decodes stored bytes (nil meaning absent) into an objState.
// With expectCorrupt, a decodable object is an error and an undecodable one
// yields a state with a nil obj (the unsafe-deletion path).
func (s *Store) stateFromStored(ctx context.Context, key string, v reflect.Value, ignoreNotFound, expectCorrupt bool, stored []byte, modRev int64) (*objState, error) {
	state := &objState{meta: &storage.ResponseMeta{}}
	if u, ok := v.Addr().Interface().(runtime.Unstructured); ok {
		state.obj = u.NewEmptyInstance()
	} else {
		state.obj = reflect.New(v.Type()).Interface().(runtime.Object)
	}
	if stored == nil {
		if !ignoreNotFound {
			return nil, storage.NewKeyNotFoundError(key, 0)
		}
		if err := runtime.SetZeroValue(state.obj); err != nil {
			return nil, err
		}
		return state, nil
	}
	state.rev = modRev
	state.meta.ResourceVersion = uint64(modRev)

	data, stale, err := s.getTransformer().TransformFromStorage(ctx, stored, value.DefaultContext(key))
	if err != nil {
		if !expectCorrupt {
			return nil, storage.NewInternalError(err)
		}
		state.obj = nil
		state.stale = true
		return state, nil
	}
	state.data = data
	state.stale = stale
	if err := s.decode(data, state.obj, modRev); err != nil {
		if !expectCorrupt {
			return nil, err
		}
		state.obj = nil
		return state, nil
	}
	if expectCorrupt {
		return nil, storage.NewInvalidObjError(key, "unsafe deletion is not allowed because the object is decodable from storage")
	}
	return state, nil
}

// stateFromObject trusts a caller-supplied object as the current state; the
// CAS in the write script catches it if it was stale. It returns nil, nil for a copy that may
// be of a history of the store that went (markFor): the caller reads the object instead.
func (s *Store) stateFromObject(obj runtime.Object) (*objState, error) {
	rv, err := s.versioner.ObjectResourceVersion(obj)
	if err != nil {
		return nil, fmt.Errorf("couldn't get resource version: %w", err)
	}
	m, ok := s.guard.markFor(int64(rv))
	if !ok {
		return nil, nil
	}
	state := &objState{obj: obj, rev: int64(rv), meta: &storage.ResponseMeta{ResourceVersion: rv}, mark: m}
	// The stored form has no resourceVersion, so encode without it to allow
	// the byte comparison that detects no-op updates.
	if err := s.versioner.PrepareObjectForStorage(obj); err != nil {
		return nil, fmt.Errorf("PrepareObjectForStorage failed: %w", err)
	}
	state.data, err = runtime.Encode(s.codec, obj)
	if err != nil {
		return nil, err
	}
	if err := s.versioner.UpdateObject(state.obj, rv); err != nil {
		s.logger().Error(err, "Failed to restore object resourceVersion")
	}
	return state, nil
}

func (s *Store) applyUpdate(st *objState, userUpdate storage.UpdateFunc) (runtime.Object, uint64, error) {
	ret, ttlPtr, err := userUpdate(st.obj, *st.meta)
	if err != nil {
		return nil, 0, err
	}
	if err := s.versioner.PrepareObjectForStorage(ret); err != nil {
		return nil, 0, fmt.Errorf("PrepareObjectForStorage failed: %w", err)
	}
	var ttl uint64
	if ttlPtr != nil {
		ttl = *ttlPtr
	}
	return ret, ttl, nil
}
