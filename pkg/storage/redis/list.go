package redis

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/value"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
)

// maxWindow caps how many keys one script call returns, keeping each Lua
// call short because Redis runs scripts single-threaded.
const maxWindow = 10000

const (
	statusCompacted = -1
	statusFuture    = -2
)

// GetList implements storage.Interface.
func (s *Store) GetList(ctx context.Context, key string, opts storage.ListOptions, listObj runtime.Object) error {
	keyPrefix, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return err
	}
	listPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(listPtr)
	if err != nil || v.Kind() != reflect.Slice {
		return fmt.Errorf("need ptr to slice: %v", err)
	}
	withRev, continueKey, err := storage.ValidateListOptions(keyPrefix, s.versioner, opts)
	if err != nil {
		return err
	}
	if err := s.rebasedBeforeRead(ctx, "list", keyPrefix, withRev); err != nil {
		return err
	}
	pred := opts.Predicate
	paging := pred.Limit > 0
	newItem := newItemFunc(listObj, v)

	r := keyRange{start: keyPrefix, exact: !opts.Recursive}
	if opts.Recursive {
		r.end = prefixRangeEnd(keyPrefix)
		if continueKey != "" {
			r.start = continueKey
		}
	}
	fetch := int64(maxWindow)
	if paging && pred.Limit < fetch {
		fetch = pred.Limit
	}
	if !opts.Recursive {
		fetch = 1
	}

	var (
		lastKey   string
		hasMore   bool
		remaining int64
	)
	for {
		w, err := s.readWindow(ctx, "list", r, fetch, withRev)
		if err != nil {
			return err
		}
		switch {
		case w.status == statusCompacted:
			if len(pred.Continue) > 0 {
				return inconsistentContinueError(continueKey, keyPrefix)
			}
			return apierrors.NewResourceExpired(expiredListMessage)
		case w.status == statusFuture:
			return storage.NewTooLargeResourceVersionError(uint64(withRev), uint64(w.current), 0)
		}
		if withRev == 0 {
			if err := s.validateMinimumResourceVersion(opts.ResourceVersion, uint64(w.current)); err != nil {
				return err
			}
			// Later windows must read the same snapshot.
			withRev = w.current
		}
		items, count := w.rewind(withRev)

		taken := 0
		limitReached := false
		for _, item := range items {
			if paging && int64(v.Len()) >= pred.Limit {
				limitReached = true
				break
			}
			lastKey = item.key
			taken++
			if err := s.appendListItem(ctx, item, pred, newItem, v); err != nil {
				return err
			}
		}
		remaining = count - int64(taken)
		// Whether keys remain is a property of the snapshot, not of the
		// current index: keys created after withRev do not count.
		more := count > int64(len(items))
		hasMore = more || limitReached
		if limitReached || !more || (paging && int64(v.Len()) >= pred.Limit) {
			break
		}
		// Continue after the last key this window covered; as etcd3 does,
		// grow the window when a selector is thinning out the results.
		r.start = w.items[len(w.items)-1].key + "\x00"
		if fetch < maxWindow {
			fetch *= 2
			if fetch > maxWindow {
				fetch = maxWindow
			}
		}
	}

	// PrepareContinueToken derives remainingItemCount as count-limit.
	continueValue, remainingItemCount, err := storage.PrepareContinueToken(lastKey, keyPrefix, withRev, remaining+pred.Limit, hasMore, opts)
	if err != nil {
		return err
	}
	if v.IsNil() {
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	}
	if err := s.versioner.UpdateList(listObj, uint64(withRev), continueValue, remainingItemCount); err != nil {
		return err
	}
	if utilfeature.DefaultFeatureGate.Enabled(features.ShardedListAndWatch) {
		pred.SetShardInfoOnList(listObj)
	}
	return nil
}

func (s *Store) appendListItem(ctx context.Context, item kv, pred storage.SelectionPredicate, newItem func() runtime.Object, v reflect.Value) error {
	data, _, err := s.getTransformer().TransformFromStorage(ctx, item.value, value.DefaultContext(item.key))
	if err != nil {
		return storage.NewInternalError(fmt.Errorf("unable to transform key %q: %w", item.key, err))
	}
	if err := ctx.Err(); err != nil {
		return storage.NewTimeoutError(item.key, "request did not complete within requested timeout")
	}
	obj := newItem()
	if err := s.decode(data, obj, item.rev); err != nil {
		return err
	}
	if matched, err := pred.Matches(obj); err == nil && matched {
		v.Set(reflect.Append(v, reflect.ValueOf(obj).Elem()))
	}
	return nil
}

// readWindow runs the list script over r.
func (s *Store) readWindow(ctx context.Context, op string, r keyRange, limit, withRev int64) (*window, error) {
	minArg, maxArg := "["+r.start, "["+r.start
	if !r.exact {
		maxArg = "+"
		if r.end != "" {
			maxArg = "(" + r.end
		}
	}
	m := s.guard.mark()
	start := time.Now()
	res, err := listScript.Run(ctx, s.client, []string{s.keys.rev, s.keys.index, s.keys.stream, s.keys.compacted, s.keys.epoch, s.keys.revIDs},
		minArg, maxArg, limit, withRev, s.keys.objPrefix, m.seen).Slice()
	s.recordRequest(ctx, op, err, start)
	if err != nil {
		return nil, requestError(op, r.start, err)
	}
	if len(res) != 8 {
		return nil, fmt.Errorf("redis storage %s: malformed script reply %v", op, res)
	}
	w := &window{}
	w.status, _ = res[0].(int64)
	w.current, _ = res[1].(int64)
	w.compacted, _ = res[2].(int64)
	// The list hands out w.current (and revisions up to it): the guard must have seen it.
	s.observeRead(m, w.current, res[5], res[6], res[7])
	s.observeCompacted(w.compacted)
	if withRev > 0 && w.status == 0 && s.guard.mark().gen != m.gen {
		// The store went back while this read was out (this very read may have noticed): a
		// revision a client brought (a continue token's, an exact list's, an earlier
		// window's) may be of the history that went, and what was read at it of the new
		// one. The rebase compacts the old history only for reads that start after it.
		w.status = statusCompacted
		return w, nil
	}
	if w.status != 0 {
		return w, nil
	}
	w.count, _ = res[3].(int64)
	raw, _ := res[4].([]interface{})
	w.items = make([]kv, 0, len(raw)/3)
	for i := 0; i+2 < len(raw); i += 3 {
		k, _ := raw[i].(string)
		val, _ := raw[i+1].(string)
		rev, err := parseInt(raw[i+2])
		if err != nil {
			return nil, err
		}
		w.items = append(w.items, kv{key: k, value: []byte(val), rev: rev})
	}
	w.truncated = w.count > int64(len(w.items))
	if withRev > 0 && withRev < w.current {
		// The changes after withRev, up to the window's revision, a chunk at a time: they
		// are written once and only ever trimmed, which readHistory notices.
		err := s.readHistory(ctx, op, withRev, w.current, needFrom, func(c *change) error {
			if c.rev > withRev {
				w.note(c, r)
			}
			return nil
		})
		if errors.Is(err, errHistoryCompacted) {
			w.status = statusCompacted
			return w, nil
		}
		if err != nil {
			return nil, requestError(op, r.start, err)
		}
	}
	return w, nil
}

func newItemFunc(listObj runtime.Object, v reflect.Value) func() runtime.Object {
	// Unstructured lists keep their group/version on each item.
	if ul, ok := listObj.(*unstructured.UnstructuredList); ok {
		if apiVersion := ul.GetAPIVersion(); apiVersion != "" {
			return func() runtime.Object {
				return &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": apiVersion}}
			}
		}
	}
	elem := v.Type().Elem()
	return func() runtime.Object {
		return reflect.New(elem).Interface().(runtime.Object)
	}
}
