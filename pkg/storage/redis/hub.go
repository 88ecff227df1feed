package redis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
)

// readBatch bounds one read of the watch reader so a burst of writes is fanned out in slices.
const readBatch = 1000

// hubStartTimeout bounds the revision read that positions a new reader.
const hubStartTimeout = 10 * time.Second

// hubRetryCap bounds the wait between the reader's attempts to read a Redis that stopped
// answering: how long the watches, and the O2 face that refuses while the reader is behind, may
// stay silent after Redis answers again. There is one reader per resource and an attempt on a
// Redis that is down is one refused dial (or one refusal by the breaker), so a short cap costs
// nothing; at 2 s it was most of the recovery after a Redis restart (docs/performance.md).
const hubRetryCap = 500 * time.Millisecond

// hubItem is what the shared reader hands to a watcher: a change, a progress
// bookmark at a revision, or a terminal error.
type hubItem struct {
	change   *change
	bookmark int64
	err      error
}

// hub is the one stream reader per store. Watchers subscribe at the hub's
// position and receive every later change; whatever came before that they
// read from the stream themselves, so a new watcher never stalls the others
// and hundreds of watchers cost one XREAD loop.
type hub struct {
	s *Store

	mu      sync.Mutex
	subs    map[*watchChan]struct{}
	running bool
	closed  bool
	// pos is the revision up to which every change was handed to subs.
	pos int64
	// gen counts reader generations: failAll starts a new one, and a reader
	// or progress answer of an older generation hands nothing out, because
	// its position may belong to a store that was since wiped.
	gen uint64
	// done is closed when the current reader loop exits.
	done chan struct{}
	// behind is set while the reader cannot read the stream (Redis unreachable, restarting
	// or failing over) and until it has read to the stream's end again: the watches stay
	// open meanwhile, but what was delivered to them may be behind the store (Following).
	behind atomic.Bool
}

func newHub(s *Store) *hub {
	return &hub{s: s, subs: map[*watchChan]struct{}{}}
}

// subscribe registers w and returns the revision after which the hub will
// deliver changes to it. It starts the reader when needed.
// The hub is shared, so starting it is bounded by the store's lifetime and
// a timeout, not by the first caller's context.
func (h *hub) subscribe(w *watchChan) (int64, error) {
	for {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return 0, errors.New("redis storage is closed")
		}
		if h.running {
			h.subs[w] = struct{}{}
			h.s.cfg.Metrics.addWatchers(h.s.groupResource, 1)
			pos := h.pos
			h.mu.Unlock()
			return pos, nil
		}
		gen := h.gen
		h.mu.Unlock()
		// Every stream entry up to the counter's value already exists
		// (scripts bump and append atomically), so the counter is a safe
		// starting position. It is read without the lock because reading
		// it may find the store went back, which resets this hub.
		ctx, cancel := context.WithTimeout(h.s.ctx, hubStartTimeout)
		rev, err := h.s.currentRevision(ctx)
		cancel()
		if err != nil {
			return 0, err
		}
		h.mu.Lock()
		// Another subscriber may have started the reader meanwhile, or a
		// reset made rev a position in a store that is gone: then look again.
		if !h.running && !h.closed && h.gen == gen {
			h.pos = rev
			h.running = true
			h.done = make(chan struct{})
			go h.loop(h.done, gen)
		}
		h.mu.Unlock()
	}
}

// Following reports whether the store's watches are handed every change as it is written:
// false from a failed read of the change stream (Redis unavailable) until the reader has read
// to the stream's end again. Meanwhile the watches stay open but may be behind the store, so
// whatever answers from a copy they feed (the read cache, the O2 face) must not.
func (s *Store) Following() bool { return !s.hub.behind.Load() }

func (h *hub) unsubscribe(w *watchChan) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[w]; ok {
		delete(h.subs, w)
		h.s.cfg.Metrics.addWatchers(h.s.groupResource, -1)
	}
}

// requestProgress answers a progress request right away instead of waiting
// for the reader's next poll, so callers such as a cache waiting to catch up
// with a consistent read are not delayed by the XREAD block timeout.
// deliver drops anything the reader already handed out, so racing with it is
// harmless.
//
// It reads Redis under ctx (ended with the store too), on the requester's goroutine: a
// consistent read through the cache waits for it, and must not outlive its own deadline
// while Redis does not answer.
func (h *hub) requestProgress(ctx context.Context) error {
	h.mu.Lock()
	running := h.running && !h.closed
	h.mu.Unlock()
	if !running || h.behind.Load() {
		// A reader that is behind (Redis was unavailable) answers when it has read to the
		// stream's end again, after its own continuity and compaction checks.
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(h.s.ctx, cancel)()
	err := h.sendProgress(ctx)
	if err != nil && h.s.ctx.Err() == nil {
		h.s.logger().V(2).Info("Progress request failed", "err", err)
	}
	return err
}

// shutdown ends every watch and waits for the reader to exit.
func (h *hub) shutdown() {
	h.mu.Lock()
	h.closed = true
	for w := range h.subs {
		w.cancel()
	}
	done := h.done
	h.mu.Unlock()
	if done != nil {
		<-done
	}
}

// loop reads the stream after pos and hands what it reads to the watches. A read that fails
// because Redis is unavailable (not answering, restarting on its append-only file, failing
// over) does not end the watches: the reader tries again from the same position, as an etcd
// watch outlives a reconnect, so that a Redis restart does not make every client and every
// cache of the process list again. What ends them is what makes their position meaningless:
// the store went back (resetAfterWentBack ends them with 410 and starts a new generation, which
// this loop then leaves), the history after pos was trimmed before it could be read, or the
// reader could not look for so long that it cannot check nothing it saw was undone (410).
func (h *hub) loop(done chan struct{}, gen uint64) {
	defer close(done)
	s := h.s
	log := s.logger()
	lastProgress := time.Now()
	backoff := newHubBackoff()
	for {
		h.mu.Lock()
		if h.gen != gen {
			h.mu.Unlock()
			return
		}
		if len(h.subs) == 0 || h.closed {
			h.running = false
			// The next reader starts at the revision Redis answers then: not behind.
			h.behind.Store(false)
			h.mu.Unlock()
			return
		}
		pos := h.pos
		h.mu.Unlock()

		changes, err := h.read(pos)
		if err == nil && time.Since(lastProgress) >= s.cfg.ProgressInterval && h.wantsProgress() {
			h.deliver(gen, changes, 0)
			changes = nil
			lastProgress = time.Now()
			err = h.sendProgress(s.ctx)
		}
		if err != nil {
			if !h.waitToRetry(gen, err, &backoff) {
				return
			}
			continue
		}
		h.deliver(gen, changes, 0)
		if len(changes) < readBatch && h.behind.Swap(false) {
			// Read to the end of the stream: what the watches were handed is the store's state.
			log.Info("Watch stream reader reads Redis again; the watches went on", "revision", pos)
			backoff = newHubBackoff()
		}
	}
}

func newHubBackoff() wait.Backoff {
	return wait.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 1 << 30, Cap: hubRetryCap}
}

// waitToRetry decides what a failed read of generation gen means: while Redis is only
// unavailable it marks the reader behind, waits out backoff and reports true (read again);
// otherwise it ends every watch (a trimmed history with 410, anything else with the error)
// and reports false, as it does when the store is closing.
func (h *hub) waitToRetry(gen uint64, err error, backoff *wait.Backoff) bool {
	s := h.s
	if s.ctx.Err() != nil {
		h.failAllOf(gen, requestError("watch", s.resourcePrefix, err))
		return false
	}
	if errors.Is(err, errCompactedWhileWatching) || errors.Is(err, errContinuityUnknown) {
		s.logger().Error(err, "Watch stream reader fell behind the change history, ending watches")
		h.failAllOf(gen, apierrors.NewResourceExpired(expiredWatchMessage+" "+err.Error()))
		return false
	}
	status := requestError("watch", s.resourcePrefix, err)
	if !apierrors.IsServiceUnavailable(status) {
		s.logger().Error(err, "Watch stream reader failed, ending watches")
		h.failAllOf(gen, status)
		return false
	}
	if !h.behind.Swap(true) {
		s.logger().Info("Watch stream reader cannot read Redis; the watches stay open and resume where they were", "err", err)
	}
	waitOut(s.ctx, backoff)
	return true
}

// waitOut waits for backoff's next step, or until ctx ends; it reports whether ctx is still
// live. What reads Redis again after a failure that says it is only unavailable waits here.
func waitOut(ctx context.Context, backoff *wait.Backoff) bool {
	timer := time.NewTimer(backoff.Step())
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// read returns the entries after pos, waiting up to WatchPollInterval for one when there are
// none yet, and verifies none were trimmed before the hub saw them.
//
// The entries and the compaction point are read together, in one transaction (readAfter): a
// blocking XREAD cannot be part of one, and a compaction point read after it could be moved by
// a trim of the very entries the XREAD had just returned, ending every watch with 410 for
// nothing (TestRegressionTrimRightAfterTheWatchReadIsNotGone). XREAD only waits.
func (h *hub) read(pos int64) ([]change, error) {
	s := h.s
	changes, err := h.readAfter(pos)
	if err == nil && len(changes) == 0 {
		var streams []goredis.XStream
		streams, err = s.client.XRead(s.ctx, &goredis.XReadArgs{
			Streams: []string{s.keys.stream, streamID(pos)},
			Count:   1,
			Block:   s.cfg.WatchPollInterval,
		}).Result()
		if errors.Is(err, goredis.Nil) {
			err = nil
		}
		// Its failures count, its duration does not: it is how long nothing was written (up
		// to WatchPollInterval), not how long Redis took to answer, and as a request latency
		// it put the p99 of every idle store at the poll interval, above NetweaveRedisSlow's
		// threshold (TestRegressionIdleWatchIsNotASlowRedis).
		s.cfg.Metrics.recordFailure("watchWait", s.groupResource, err)
		if err == nil && len(streams) > 0 {
			changes, err = h.readAfter(pos)
		}
	}
	if err != nil {
		return nil, err
	}
	// Each poll also checks that the store did not go back: after a wipe
	// the entries after pos are never written, and only this notices.
	_, checked, err := s.checkedRevision(s.ctx)
	if err != nil {
		return nil, err
	}
	if !checked && h.behind.Load() {
		// The reader could not look for so long that the fingerprint of the newest revision
		// it saw is gone: a rollback that others wrote past meanwhile would go unseen, and
		// the watches would go on from a position in a history that no longer exists.
		return nil, errContinuityUnknown
	}
	s.cfg.Metrics.addStreamEvents(s.groupResource, len(changes))
	return changes, nil
}

// readAfter reads up to readBatch entries after pos, each chunk with the compaction point
// (readHistory): errCompactedWhileWatching when an entry after pos was trimmed before it.
func (h *hub) readAfter(pos int64) ([]change, error) {
	var changes []change
	err := h.s.readHistory(h.s.ctx, "watchRead", pos, math.MaxInt64, needAfter, func(c *change) error {
		changes = append(changes, *c)
		if len(changes) >= readBatch {
			return errBatchFull
		}
		return nil
	})
	switch {
	case errors.Is(err, errBatchFull):
		err = nil
	case errors.Is(err, errHistoryCompacted):
		err = errCompactedWhileWatching
	}
	return changes, err
}

var (
	// errBatchFull ends a history read once the reader holds a batch.
	errBatchFull              = errors.New("the watch reader's batch is full")
	errCompactedWhileWatching = errors.New("change history was compacted before the watch reader caught up")
	errContinuityUnknown      = errors.New("the store made too many revisions while the watch reader could not read it to tell that none was undone")
)

// sendProgress brings the hub up to the current revision and then tells
// progress watchers that nothing at or below it is still to come. It reads the history with
// its compaction point (readHistory), as the reader does: a hub behind a trim (a replica cut
// off while others wrote past the history's length) must end its watches with 410, never
// bookmark past changes nobody handed them.
func (h *hub) sendProgress(ctx context.Context) error {
	s := h.s
	h.mu.Lock()
	gen := h.gen
	h.mu.Unlock()
	rev, err := s.GetCurrentResourceVersion(ctx)
	if err != nil {
		return err
	}
	h.mu.Lock()
	pos := h.pos
	h.mu.Unlock()
	// A chunk at a time, each delivered before the next is read: a hub far behind (a
	// progress request after a burst) never holds the whole history at once.
	changes := make([]change, 0, min(historyReadChunk, max(int64(rev)-pos, 0)))
	err = s.readHistory(ctx, "watchProgress", pos, int64(rev), needAfter, func(c *change) error {
		changes = append(changes, *c)
		if len(changes) == historyReadChunk {
			h.deliver(gen, changes, 0)
			pos = c.rev
			// The watches keep pointers into what was delivered: a new chunk, never a reuse.
			changes = make([]change, 0, historyReadChunk)
		}
		return nil
	})
	if errors.Is(err, errHistoryCompacted) {
		h.mu.Lock()
		stale := h.pos > pos
		h.mu.Unlock()
		if stale {
			// The reader handed the watches those changes meanwhile (progress requests run
			// beside it): the trim took nothing they still needed, and its own next read
			// checks the compaction point from where it is.
			return nil
		}
		return errCompactedWhileWatching
	}
	if err != nil {
		return err
	}
	h.deliver(gen, changes, int64(rev))
	return nil
}

// deliver hands changes (and optionally a bookmark) read in generation gen
// to every subscriber and advances pos, all under the lock so subscribe sees
// a consistent position.
func (h *hub) deliver(gen uint64, changes []change, bookmark int64) {
	if len(changes) == 0 && bookmark == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gen != gen {
		return
	}
	// The reader and progress requests both deliver; whatever is at or
	// below pos was already handed out.
	skip := 0
	for skip < len(changes) && changes[skip].rev <= h.pos {
		skip++
	}
	changes = changes[skip:]
	if n := len(changes); n > 0 {
		for w := range h.subs {
			w.enqueueChanges(changes)
		}
		h.pos = changes[n-1].rev
	}
	// A bookmark promises nothing at or below it is still to come, so it
	// may never trail an event already delivered.
	if bookmark > 0 && bookmark >= h.pos {
		h.pos = bookmark
		for w := range h.subs {
			if w.progressNotify {
				w.enqueue(hubItem{bookmark: bookmark})
			}
		}
	}
}

func (h *hub) wantsProgress() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.subs {
		if w.progressNotify {
			return true
		}
	}
	return false
}

// failAll ends every current watch with err and stops the reader; the next
// Watch starts a fresh one.
func (h *hub) failAll(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failAllLocked(err)
}

// failAllOf is failAll by the reader of generation gen: nothing when a reset already started
// a new generation (its watches were ended then, and the new ones are not this reader's).
func (h *hub) failAllOf(gen uint64, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gen == gen {
		h.failAllLocked(err)
	}
}

func (h *hub) failAllLocked(err error) {
	h.behind.Store(false)
	for w := range h.subs {
		w.enqueue(hubItem{err: err})
		delete(h.subs, w)
		h.s.cfg.Metrics.addWatchers(h.s.groupResource, -1)
	}
	h.running = false
	h.gen++
}

func changeFromMessage(msg goredis.XMessage) (change, error) {
	values := make(map[string]string, len(msg.Values))
	for k, v := range msg.Values {
		str, ok := v.(string)
		if !ok {
			return change{}, fmt.Errorf("stream entry %s: field %s is %T", msg.ID, k, v)
		}
		values[k] = str
	}
	return newChange(msg.ID, values)
}
