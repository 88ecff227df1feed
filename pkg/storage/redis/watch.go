package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/value"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	utilflowcontrol "k8s.io/apiserver/pkg/util/flowcontrol"
)

// outgoingBufSize lets a watcher run ahead of its consumer a little.
const outgoingBufSize = 100

// Watch implements storage.Interface.
func (s *Store) Watch(ctx context.Context, key string, opts storage.ListOptions) (watch.Interface, error) {
	preparedKey, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return nil, err
	}
	rev, err := s.versioner.ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	if err := s.rebasedBeforeRead(ctx, "watch", preparedKey, int64(rev)); err != nil {
		return nil, err
	}
	if opts.ProgressNotify && s.newFunc == nil {
		return nil, apierrors.NewInternalError(errors.New("progressNotify for watch is unsupported by the redis storage because no newFunc was provided"))
	}
	watchList := utilfeature.DefaultFeatureGate.Enabled(features.WatchList)
	sendInitial := opts.SendInitialEvents != nil && *opts.SendInitialEvents
	// Same start-point rules as etcd3: legacy RV=0 replays the current state;
	// sendInitialEvents=false with no RV starts at "now".
	startRev := int64(rev)
	if rev == 0 && watchList && opts.SendInitialEvents != nil && !sendInitial {
		current, err := s.GetCurrentResourceVersion(ctx)
		if err != nil {
			return nil, err
		}
		startRev = int64(current)
	}
	forceInitial := (opts.SendInitialEvents == nil && rev == 0) || (watchList && sendInitial)
	endBookmark := watchList && sendInitial && opts.Predicate.AllowWatchBookmarks

	w := &watchChan{
		s:              s,
		key:            preparedKey,
		recursive:      opts.Recursive,
		pred:           opts.Predicate,
		progressNotify: opts.ProgressNotify,
		result:         make(chan watch.Event, outgoingBufSize),
		wake:           make(chan struct{}, 1),
		queueLimit:     s.cfg.WatcherQueueLimit,
		gen:            s.guard.mark().gen,
	}
	if w.pred.Empty() {
		w.pred = storage.Everything
	}
	w.ctx, w.cancel = context.WithCancel(ctx)
	hubPos, err := s.hub.subscribe(w)
	if err != nil {
		w.cancel()
		return nil, requestError("watch", preparedKey, err)
	}
	go w.run(startRev, hubPos, forceInitial, endBookmark)
	// Like etcd3 we cannot cheaply tell when the watch has caught up, so
	// signal initialization right away.
	utilflowcontrol.WatchInitialized(ctx)
	return w, nil
}

// watchChan is one watch: it replays what it needs from Redis, then consumes
// the hub's feed, filters and decodes for its own predicate.
type watchChan struct {
	s              *Store
	key            string
	recursive      bool
	pred           storage.SelectionPredicate
	progressNotify bool

	ctx    context.Context
	cancel context.CancelFunc
	result chan watch.Event

	// gen is the guard's generation when the watch was opened: a reset since then means the
	// revision it starts from may be of a history that went (checkStore).
	gen uint64

	mu         sync.Mutex
	queue      []hubItem
	queueLimit int
	overflow   bool
	wake       chan struct{}
}

// Stop implements watch.Interface.
func (w *watchChan) Stop() { w.cancel() }

// ResultChan implements watch.Interface.
func (w *watchChan) ResultChan() <-chan watch.Event { return w.result }

// enqueue never blocks: the hub must not wait for one slow consumer.
func (w *watchChan) enqueue(item hubItem) {
	w.mu.Lock()
	if len(w.queue) >= w.queueLimit && item.err == nil {
		w.overflow = true
	} else {
		w.queue = append(w.queue, item)
	}
	w.mu.Unlock()
	w.signal()
}

func (w *watchChan) enqueueChanges(changes []change) {
	if len(changes) == 0 {
		return
	}
	w.mu.Lock()
	for i := range changes {
		if !w.matchesKey(changes[i].key) {
			continue
		}
		if len(w.queue) >= w.queueLimit {
			w.overflow = true
			break
		}
		w.queue = append(w.queue, hubItem{change: &changes[i]})
	}
	w.mu.Unlock()
	w.signal()
}

func (w *watchChan) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *watchChan) take() ([]hubItem, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	items := w.queue
	w.queue = nil
	return items, w.overflow
}

func (w *watchChan) matchesKey(key string) bool {
	if w.recursive {
		return strings.HasPrefix(key, w.key)
	}
	return key == w.key
}

func (w *watchChan) run(startRev, hubPos int64, forceInitial, endBookmark bool) {
	defer close(w.result)
	defer w.cancel()
	defer w.s.hub.unsubscribe(w)

	// The hub's position is a revision the store has reached; anything
	// newer must be waited for, and not forever.
	if startRev > hubPos {
		if err := w.s.waitForRevision(w.ctx, uint64(startRev)); err != nil {
			w.sendError(err)
			return
		}
	}
	if forceInitial {
		listRev, err := w.sendInitialState()
		if err != nil {
			w.sendError(err)
			return
		}
		startRev = listRev
	}
	if endBookmark {
		if !w.sendBookmark(startRev, true) {
			return
		}
	}
	if !w.catchUp(startRev, hubPos) {
		return
	}
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-w.wake:
		}
		items, overflow := w.take()
		for _, item := range items {
			switch {
			case item.err != nil:
				w.sendError(item.err)
				return
			case item.change != nil:
				if item.change.rev <= startRev {
					continue
				}
				if !w.sendChange(item.change) {
					return
				}
			case item.bookmark > startRev:
				if !w.sendBookmark(item.bookmark, false) {
					return
				}
			}
		}
		if overflow {
			w.sendError(apierrors.NewResourceExpired("watcher fell too far behind; events were dropped"))
			return
		}
	}
}

// catchUp sends the changes in (from, to] that predate the hub subscription,
// refusing (410) when history below the start point was compacted. The
// history is read in chunks (readHistory), so resuming from an old
// resourceVersion does not load the whole history at once. A read that fails
// because Redis is unavailable is tried again from the last change sent, as
// the hub's reader does, so that a watch opened just before a Redis restart
// goes on like the ones already caught up.
func (w *watchChan) catchUp(from, to int64) bool {
	if from < to && !w.checkStore() {
		return false
	}
	errStopped := errors.New("watcher stopped")
	backoff := newHubBackoff()
	for {
		err := w.s.readHistory(w.ctx, "watchCatchUp", from, to, needFrom, func(c *change) error {
			if w.matchesKey(c.key) && !w.sendChange(c) {
				return errStopped
			}
			from = c.rev
			return nil
		})
		switch {
		case err == nil:
			return true
		case errors.Is(err, errHistoryCompacted):
			w.sendError(apierrors.NewResourceExpired(expiredWatchMessage))
			return false
		case errors.Is(err, errStopped):
			return false
		}
		status := requestError("watch", w.key, err)
		if !apierrors.IsServiceUnavailable(status) || w.ctx.Err() != nil {
			w.sendError(status)
			return false
		}
		if !waitOut(w.ctx, &backoff) {
			return false
		}
	}
}

// checkStore makes sure, before a catch-up from a revision a client brought, that the store did
// not go back since the watch was opened or since this process last looked: a catch-up reads
// the history as it is now, and in a store rolled back and written past by another replica
// that had not seen the lost revisions, the changes after the client's revision are of the new
// history, handed to the client as if they followed what it had
// (TestRegressionWatchCatchUpFromRolledBackRevisionIsGone). Lists check the same with their
// read (observeRead); only the reader's next poll, up to WatchPollInterval later, noticed it
// for a watch. A Redis that does not answer is asked again, as catchUp does.
func (w *watchChan) checkStore() bool {
	backoff := newHubBackoff()
	for {
		_, err := w.s.currentRevision(w.ctx)
		if err == nil {
			if w.s.guard.mark().gen != w.gen {
				w.sendError(apierrors.NewResourceExpired("the store was wiped or rolled back; relist"))
				return false
			}
			return true
		}
		// currentRevision's errors are already the API's (requestError).
		if w.ctx.Err() != nil {
			return false
		}
		if !apierrors.IsServiceUnavailable(err) {
			w.sendError(err)
			return false
		}
		if !waitOut(w.ctx, &backoff) {
			return false
		}
	}
}

// sendInitialState emits ADDED for every matching object at the latest
// revision and returns that revision. A window whose read finds Redis
// unavailable is read again until it answers, so that a watch opened just
// before a Redis restart goes on like the others.
func (w *watchChan) sendInitialState() (int64, error) {
	s := w.s
	r := keyRange{start: w.key, exact: !w.recursive}
	if w.recursive {
		r.end = prefixRangeEnd(w.key)
	}
	var rev int64
	backoff := newHubBackoff()
	for {
		win, err := s.readWindow(w.ctx, "watchList", r, maxWindow, rev)
		if apierrors.IsServiceUnavailable(err) && w.ctx.Err() == nil {
			// Redis unavailable for now: the same window at the same revision is read again
			// (nothing of it was sent), as the catch-up and the reader do.
			if !waitOut(w.ctx, &backoff) {
				return 0, w.ctx.Err()
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		if win.status == statusCompacted {
			// Only possible if compaction overtook a multi-window sync.
			return 0, apierrors.NewResourceExpired(expiredWatchMessage)
		}
		if rev == 0 {
			rev = win.current
		}
		items, _ := win.rewind(rev)
		for _, it := range items {
			obj, err := w.decodeValue(it.key, it.value, it.rev)
			if err != nil {
				return 0, err
			}
			if !w.filter(obj) {
				continue
			}
			if !w.send(watch.Event{Type: watch.Added, Object: obj}) {
				return 0, w.ctx.Err()
			}
		}
		if !win.truncated {
			return rev, nil
		}
		r.start = win.items[len(win.items)-1].key + "\x00"
	}
}

// sendChange turns a stored change into the event this watcher should see,
// including the selector transitions etcd3 applies (an update that makes an
// object stop matching is a DELETED for this watcher).
func (w *watchChan) sendChange(c *change) bool {
	ev, err := w.transform(c)
	if err != nil {
		w.sendError(err)
		return false
	}
	if ev == nil {
		return true
	}
	return w.send(*ev)
}

func (w *watchChan) transform(c *change) (*watch.Event, error) {
	acceptAll := w.pred.Empty()
	var cur, old runtime.Object
	var err error
	if c.typ != eventDeleted {
		if cur, err = w.decodeValue(c.key, c.value, c.rev); err != nil {
			return nil, err
		}
	}
	// The previous object is needed for deletions and for selector
	// transitions; it carries the revision of this change, like etcd3.
	if c.prevValue != nil && (c.typ == eventDeleted || !acceptAll) {
		if old, err = w.decodeValue(c.key, c.prevValue, c.rev); err != nil {
			return nil, err
		}
	}
	switch c.typ {
	case eventDeleted:
		if !w.filter(old) {
			return nil, nil
		}
		return &watch.Event{Type: watch.Deleted, Object: old}, nil
	case eventCreated:
		if !w.filter(cur) {
			return nil, nil
		}
		return &watch.Event{Type: watch.Added, Object: cur}, nil
	}
	if acceptAll {
		return &watch.Event{Type: watch.Modified, Object: cur}, nil
	}
	curPasses, oldPasses := w.filter(cur), w.filter(old)
	switch {
	case curPasses && oldPasses:
		return &watch.Event{Type: watch.Modified, Object: cur}, nil
	case curPasses:
		return &watch.Event{Type: watch.Added, Object: cur}, nil
	case oldPasses:
		return &watch.Event{Type: watch.Deleted, Object: old}, nil
	}
	return nil, nil
}

func (w *watchChan) filter(obj runtime.Object) bool {
	if w.pred.Empty() {
		return true
	}
	matched, err := w.pred.Matches(obj)
	return err == nil && matched
}

func (w *watchChan) decodeValue(key string, stored []byte, rev int64) (runtime.Object, error) {
	data, _, err := w.s.getTransformer().TransformFromStorage(w.ctx, stored, value.DefaultContext(key))
	if err != nil {
		return nil, err
	}
	obj, err := runtime.Decode(w.s.codec, data)
	if err != nil {
		return nil, err
	}
	if err := w.s.versioner.UpdateObject(obj, uint64(rev)); err != nil {
		return nil, fmt.Errorf("failure to version api object (%d) %#v: %w", rev, obj, err)
	}
	return obj, nil
}

func (w *watchChan) sendBookmark(rev int64, initialEventsEnd bool) bool {
	obj := w.s.newFunc()
	if err := w.s.versioner.UpdateObject(obj, uint64(rev)); err != nil {
		w.sendError(fmt.Errorf("failed to propagate object resource version: %w", err))
		return false
	}
	if initialEventsEnd {
		if err := storage.AnnotateInitialEventsEndBookmark(obj); err != nil {
			w.sendError(err)
			return false
		}
	}
	return w.send(watch.Event{Type: watch.Bookmark, Object: obj})
}

func (w *watchChan) send(ev watch.Event) bool {
	select {
	case w.result <- ev:
		return true
	case <-w.ctx.Done():
		return false
	}
}

// sendError delivers a terminal error event unless the watch was cancelled.
func (w *watchChan) sendError(err error) {
	if errors.Is(err, context.Canceled) || w.ctx.Err() != nil {
		return
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		status = apierrors.NewInternalError(err)
	}
	st := status.Status()
	select {
	case w.result <- watch.Event{Type: watch.Error, Object: &st}:
	case <-w.ctx.Done():
	}
}
