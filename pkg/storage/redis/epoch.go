package redis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// epochGuard notices a store that went back: wiped (a Redis restarted
// without persistence, FLUSHALL) or rolled back (failover to a lagging
// replica). Either way every revision this process holds — watch positions,
// cached objects, "read your writes" marks — describes data that is gone, so
// the guard runs the reset handlers, which make everything relist.
//
// Three signals, all read atomically with a revision:
//   - the install epoch, a random value created with the revision counter:
//     a wiped store gets a new one;
//   - the revision itself: once this process saw revision r, a later read
//     may not answer less, and a write sent afterwards must get more;
//   - the fingerprint of the newest revision it saw: every write records a
//     random token for the revision it makes (the ring of revision ids,
//     revisionRingSlots), and every revision read and write brings back
//     the token the store now has for the revision this process saw last.
//     A different token means that revision number was made again by
//     another write: the store went back and someone (another netweave
//     replica, typically) wrote past it before this process looked. The
//     revision alone cannot show that.
type epochGuard struct {
	mu    sync.Mutex
	epoch string
	seen  int64
	// seenID is the fingerprint of revision seen, "" when unknown (not
	// read yet, or made by a netweave that records none).
	seenID string
	gen    uint64
	// retired is the install epoch this process's own rebase replaced: operations sent before
	// that reset may still bring it back, which is no news.
	retired string
	// gone is the newest revision this process had seen of the histories that went (the
	// largest prior of its resets, 0 before any): a copy of an object at a revision up to it,
	// handed to a write from a cache, may be of a store that is gone.
	gone     int64
	handlers []func()
	// last runs after every handler: the store's own reset, which ends
	// the watches. Watchers told to relist must find the caches fed by
	// the handlers already emptied, or a relist could be answered from a
	// copy of the store that is gone. prior is the newest revision the
	// process had seen of the history that went, and rollback tells a
	// store that went back without a new install epoch.
	last func(prior int64, rollback bool)
}

// epochMark is what the guard knew when an operation was sent; a revision
// is only compared with marks of the same generation, so operations that
// straddle a reset do not trigger another one.
type epochMark struct {
	gen    uint64
	epoch  string
	seen   int64
	seenID string
}

// slot is the fingerprint slot of the mark's revision as the write scripts' fence compares it
// ("rev:token"), "" when its fingerprint is unknown.
func (m epochMark) slot() string {
	if m.seenID == "" || m.seen <= 0 {
		return ""
	}
	return strconv.FormatInt(m.seen, 10) + ":" + m.seenID
}

// observation is what an operation found, atomically, in the store.
type observation struct {
	epoch string
	// rev is the store's revision: the one a write made, or the counter.
	rev int64
	// id is rev's fingerprint, "" when unknown.
	id string
	// seenID is the fingerprint the store has now for the mark's revision,
	// "" when unknown (its slot in the ring holds another revision).
	seenID string
	// write tells whether the operation made rev.
	write bool
}

func (g *epochGuard) mark() epochMark {
	g.mu.Lock()
	defer g.mu.Unlock()
	return epochMark{gen: g.gen, epoch: g.epoch, seen: g.seen, seenID: g.seenID}
}

// markFor is the mark for a write based on a copy of an object at rev read at a time the guard
// does not know (a cache's), and false when the copy may be of a history that went: one read
// before a reset this process noticed, handed over after it, carries no sign of it (its mark
// is of the new history), and in the new store the same key may be at the same revision, made
// between the wipe and the rebase (TestRegressionCachedUpdateFromBeforeANoticedWipeDoesNotOverwrite).
func (g *epochGuard) markFor(rev int64) (epochMark, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return epochMark{gen: g.gen, epoch: g.epoch, seen: g.seen, seenID: g.seenID}, rev > g.gone
}

// onReset registers fn to run (synchronously, before the operation that
// noticed the reset returns) whenever the store went back.
func (g *epochGuard) onReset(fn func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.handlers = append(g.handlers, fn)
}

// Why a store went back, the reason label of netweave_redis_storage_resets_total.
const (
	resetEpoch       = "epoch"       // the install epoch changed: the store was wiped
	resetRevision    = "revision"    // the revision counter went back: a rollback
	resetFingerprint = "fingerprint" // a revision seen was made again by another write
)

// resetReasons are every reason observe can give.
var resetReasons = []string{resetEpoch, resetRevision, resetFingerprint}

// observe records what an operation sent at m found. When the store went back it runs the
// handlers and returns why: one of resetReasons and a sentence for the log; else "".
func (g *epochGuard) observe(m epochMark, o observation) (reason, why string) {
	g.mu.Lock()
	if g.stale(m, o) {
		// Answered by the store a reset since the mark left: what it found is of a store that
		// is gone and was accounted for by that reset; its revision is no baseline either.
		g.mu.Unlock()
		return "", ""
	}
	reason, why = g.wentBack(m, o)
	if reason == "" {
		switch {
		case o.rev > g.seen:
			g.seen, g.seenID = o.rev, o.id
		case o.rev == g.seen && g.seenID == "":
			g.seenID = o.id
		}
		if g.epoch == "" {
			g.epoch = o.epoch
		}
		g.mu.Unlock()
		return "", ""
	}
	prior := max(m.seen, g.seen)
	g.gone = max(g.gone, prior)
	// Found from revisions in an epoch that stayed: this process is the one to tell the others
	// (rebase gives the store a new epoch). One that changed, it was told, or it was a wipe.
	rollback := o.epoch == g.epoch
	g.epoch, g.seen, g.seenID = o.epoch, o.rev, o.id
	g.gen++
	handlers := append([]func(){}, g.handlers...)
	last := g.last
	g.mu.Unlock()
	for _, fn := range handlers {
		fn()
	}
	if last != nil {
		last(prior, rollback)
	}
	return reason, why
}

// rebased adopts what Store.rebase made of the store: its install epoch, and a revision no
// operation before it saw (so it has no fingerprint).
func (g *epochGuard) rebased(epoch string, rev int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if epoch != g.epoch {
		g.retired = g.epoch
	}
	g.epoch = epoch
	if rev > g.seen {
		g.seen, g.seenID = rev, ""
	}
}

// stale tells an operation sent before a reset (m of an older generation) that Redis answered
// before that reset's store change: it brings back the install epoch its sender knew, or the
// one this process's own rebase replaced, which the guard has left since. Taken for news, a
// reply handled late (a goroutine that ran after another noticed a wipe) reset the store a
// second time for one wipe (TestRegressionReplyFromBeforeAWipeDoesNotResetAgain).
func (g *epochGuard) stale(m epochMark, o observation) bool {
	if m.gen == g.gen || o.epoch == "" || o.epoch == g.epoch {
		return false
	}
	return o.epoch == m.epoch || o.epoch == g.retired
}

func (g *epochGuard) wentBack(m epochMark, o observation) (reason, why string) {
	switch {
	case g.epoch != "" && o.epoch != g.epoch && strings.HasSuffix(o.epoch, rollbackEpochSuffix):
		return resetRevision, "another replica found the store rolled back"
	case g.epoch != "" && o.epoch != g.epoch:
		return resetEpoch, "install epoch changed"
	case m.gen != g.gen:
		// A reset happened while the operation was in flight; its
		// revision belongs to the new baseline.
		return "", ""
	case o.rev < m.seen, o.write && o.rev == m.seen:
		return resetRevision, "revision went back"
	case m.seenID != "" && o.seenID != "" && o.seenID != m.seenID:
		return resetFingerprint, fmt.Sprintf("revision %d was made again by another write", m.seen)
	}
	return "", ""
}

// revisionID is one slot of the ring of revision fingerprints: which write
// ("token") made revision rev.
type revisionID struct {
	rev   int64
	token string
}

// parseRevisionID parses a slot ("rev:token"); a missing or malformed one
// is the zero value, which matches no revision.
func parseRevisionID(v interface{}) revisionID {
	str, _ := v.(string)
	r, token, ok := strings.Cut(str, ":")
	if !ok {
		return revisionID{}
	}
	rev, err := strconv.ParseInt(r, 10, 64)
	if err != nil {
		return revisionID{}
	}
	return revisionID{rev: rev, token: token}
}

// of returns rev's fingerprint if the slot holds rev, else "": the slot was
// taken by a revision revisionRingSlots later, or rev was made by a
// netweave that records no fingerprints. Either way it cannot be checked.
func (id revisionID) of(rev int64) string {
	if id.rev != rev || rev <= 0 {
		return ""
	}
	return id.token
}

// newRevisionToken returns the random value a write records for the
// revision it makes. 64 random bits: two writes that make the same revision
// number in two histories of the store get the same one with negligible
// probability.
func newRevisionToken() string {
	return strconv.FormatUint(rand.Uint64(), 36)
}

// OnReset registers fn to run when the store is found wiped or rolled back,
// before the operation that noticed it returns. Watches end with 410 Gone by
// themselves, after every fn ran; fn is for state kept outside them (caches,
// delivery cursors).
func (s *Store) OnReset(fn func()) { s.guard.onReset(fn) }

// currentRevision reads the revision counter and the install epoch (creating
// the epoch if the store has none yet), with the fingerprints of the current
// revision and of the newest one this process saw, and checks them with the
// guard.
func (s *Store) currentRevision(ctx context.Context) (int64, error) {
	rev, _, err := s.checkedRevision(ctx)
	return rev, err
}

// checkedRevision is currentRevision that also tells whether the guard could check the store
// against the newest revision this process saw: false when that revision's fingerprint is
// gone from the ring (more than revisionRingSlots revisions were made since this process last
// looked), so a rollback that others wrote past since then would have gone unseen.
func (s *Store) checkedRevision(ctx context.Context) (rev int64, checked bool, err error) {
	return s.checkedRevisionAt(ctx, s.guard.mark())
}

// checkedRevisionAt is checkedRevision against m, what the guard knew or more (Watermark).
func (s *Store) checkedRevisionAt(ctx context.Context, m epochMark) (rev int64, checked bool, err error) {
	start := time.Now()
	res, err := currentScript.Run(ctx, s.client, []string{s.keys.rev, s.keys.epoch, s.keys.revIDs}, m.seen).Slice()
	s.recordRequest(ctx, "getCurrentResourceVersion", err, start)
	if err != nil {
		return 0, false, requestError("getCurrentResourceVersion", s.pathPrefix, err)
	}
	if len(res) != 4 {
		return 0, false, fmt.Errorf("redis storage getCurrentResourceVersion: malformed script reply %v", res)
	}
	rev, _ = res[0].(int64)
	epoch, _ := res[1].(string)
	o := observation{
		epoch:  epoch,
		rev:    rev,
		id:     parseRevisionID(res[2]).of(rev),
		seenID: parseRevisionID(res[3]).of(m.seen),
	}
	s.observeEpoch(m, o)
	if err := s.finishRebase(ctx); err != nil {
		s.logger().Error(err, "Could not mark the history that went back as compacted; will try again")
	}
	// Nothing seen with a fingerprint (a new store, or revisions made by a netweave that
	// records none) is nothing that could be checked: as checked as it gets.
	return rev, m.seenID == "" || o.seenID != "", nil
}

// observeWrite shows the guard a write that made a revision: token is what
// the write recorded for it.
func (s *Store) observeWrite(m epochMark, token string, res writeResult) {
	s.observeEpoch(m, observation{
		epoch:  res.epoch,
		rev:    res.rev,
		id:     token,
		seenID: res.seenID.of(m.seen),
		write:  true,
	})
}

// observeRead shows the guard the revision rev a read (a list's, a get's) found, with the
// install epoch and the fingerprint slots of rev and of m's revision (luaRevisionRead). What a
// read hands out (a list's revision, an object's) is a revision this process saw: unseen by
// the guard, a reset rebased the store only past an older one, the new history made the
// handed-out revisions again, and a watch, list or cached copy at one of them was taken for one
// of the new history (TestRegressionListedRevisionOfAWipedStoreIsGone,
// TestRegressionGotCopyOfAWipedStoreDoesNotOverwrite).
//
// A store without an install epoch shows nothing: it was wiped and nothing wrote since, so
// what the read hands out is of no history (the next write or revision read, which creates
// the epoch, notices the wipe), and an empty epoch would read as yet another wipe.
func (s *Store) observeRead(m epochMark, rev int64, epoch, revSlot, seenSlot interface{}) {
	e, _ := epoch.(string)
	if e == "" {
		return
	}
	s.observeEpoch(m, observation{
		epoch:  e,
		rev:    rev,
		id:     parseRevisionID(revSlot).of(rev),
		seenID: parseRevisionID(seenSlot).of(m.seen),
	})
}

// observeEpoch feeds the guard and logs and counts a reset once, where it was noticed.
func (s *Store) observeEpoch(m epochMark, o observation) {
	if reason, why := s.guard.observe(m, o); reason != "" {
		s.cfg.Metrics.recordReset(s.groupResource, reason)
		s.logger().Info("Store was wiped or rolled back; ending watches so every client relists",
			"reason", why, "revision", o.rev, "seenBefore", m.seen)
	}
}

// resetAfterWentBack forgets what the process knew about the old store, rebases the store
// past the history that went (rebase) and ends the watches.
func (s *Store) resetAfterWentBack(prior int64, rollback bool) {
	s.compacted.Store(0)
	s.rebaseMu.Lock()
	// A rebase still owed by an earlier reset is owed with this one: its prior may be above
	// this one's, whose baseline is what that reset found. Whether to give the store a new
	// epoch is this reset's say: one found through a changed epoch needs none (the others
	// notice that epoch themselves).
	s.pendingRebase.prior = max(s.pendingRebase.prior, prior)
	s.pendingRebase.rollback = rollback
	s.rebasePending.Store(true)
	s.rebaseMu.Unlock()
	ctx, cancel := context.WithTimeout(s.ctx, rebaseTimeout)
	defer cancel()
	if err := s.finishRebase(ctx); err != nil {
		// Until a later attempt succeeds (finishRebase, at the next revision read, watch or
		// list from a revision), a revision of the history that went could be accepted in
		// the new one.
		s.logger().Error(err, "Could not mark the history that went back as compacted; will try again")
	}
	s.hub.failAll(apierrors.NewResourceExpired("the store was wiped or rolled back; relist"))
}

// pendingRebase is a rebase a reset owes the store (resetAfterWentBack), kept until it
// succeeds: a rebase that failed once (a write refused during a failover, a dropped
// connection) was otherwise never tried again, and a watch or list from a revision of the
// history that went was accepted in the new one (TestRegressionFailedRebaseIsRetried).
type pendingRebase struct {
	prior    int64
	rollback bool
}

// finishRebase makes the rebase a reset owes, if any: nil when there is none or it succeeded.
func (s *Store) finishRebase(ctx context.Context) error {
	if !s.rebasePending.Load() {
		return nil
	}
	s.rebaseMu.Lock()
	defer s.rebaseMu.Unlock()
	if !s.rebasePending.Load() {
		return nil
	}
	p := s.pendingRebase
	floor, epoch, err := s.rebase(ctx, p.prior, p.rollback)
	if err != nil {
		return err
	}
	s.pendingRebase = pendingRebase{}
	s.rebasePending.Store(false)
	s.guard.rebased(epoch, floor)
	s.observeCompacted(floor)
	return nil
}

// rebasedBeforeRead makes the rebase a reset owes before a read from revision rev (a watch's,
// a list's) is answered: a revision of a history that went must be 410, not read in the new
// one. A rebase that fails again fails the read, as unavailable when Redis is.
func (s *Store) rebasedBeforeRead(ctx context.Context, op, key string, rev int64) error {
	if rev <= 0 || !s.rebasePending.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, rebaseTimeout)
	defer cancel()
	if err := s.finishRebase(ctx); err != nil {
		cause := errors.Unwrap(err)
		if cause == nil {
			cause = err
		}
		return requestError(op, key, cause)
	}
	return nil
}

// rollbackEpochSuffix ends the install epoch a rebase after a rollback gives the store
// (rebaseScript), so that the replicas it tells count a rollback, not a wipe.
const rollbackEpochSuffix = ".r"

// rebaseTimeout bounds the rebase a reset makes: it runs in the operation that noticed.
const rebaseTimeout = 5 * time.Second

// rebase sets the revision counter past prior, the newest revision this process saw of the
// history that went, and marks this resource's history compacted up to it, as etcd's
// snapshot restore --bump-revision --mark-compacted does. A client holding a revision of that
// history (a list's, a watch's) then gets 410 Gone from every replica and relists, instead
// of a watch that goes on in the new history from a number that meant something else there.
// After a rollback it also gives the store a new install epoch, unless another replica
// already did: every other replica then notices at its next operation, which the revisions
// alone may not show it once the counter is past what it saw.
func (s *Store) rebase(ctx context.Context, prior int64, rollback bool) (floor int64, epoch string, err error) {
	newEpoch := "0"
	if rollback {
		newEpoch = "1"
	}
	known := s.guard.mark().epoch
	res, err := rebaseScript.Run(ctx, s.writes, []string{s.keys.rev, s.keys.compacted, s.keys.epoch}, prior, known, newEpoch).Slice()
	if err != nil {
		return 0, "", fmt.Errorf("redis storage rebase: %w", err)
	}
	if len(res) != 2 {
		return 0, "", fmt.Errorf("redis storage rebase: malformed script reply %v", res)
	}
	floor, _ = res[0].(int64)
	epoch, _ = res[1].(string)
	return floor, epoch, nil
}
