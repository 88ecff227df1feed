package redis

import (
	"context"
	"fmt"
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
// Two signals, both read atomically with a revision:
//   - the install epoch, a random value created with the revision counter:
//     a wiped store gets a new one;
//   - the revision itself: once this process saw revision r, a later read
//     may not answer less, and a write sent afterwards must get more.
type epochGuard struct {
	mu       sync.Mutex
	epoch    string
	seen     int64
	gen      uint64
	handlers []func()
}

// epochMark is what the guard knew when an operation was sent; a revision
// is only compared with marks of the same generation, so operations that
// straddle a reset do not trigger another one.
type epochMark struct {
	gen  uint64
	seen int64
}

func (g *epochGuard) mark() epochMark {
	g.mu.Lock()
	defer g.mu.Unlock()
	return epochMark{gen: g.gen, seen: g.seen}
}

// onReset registers fn to run (synchronously, before the operation that
// noticed the reset returns) whenever the store went back.
func (g *epochGuard) onReset(fn func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.handlers = append(g.handlers, fn)
}

// observe records that the store was at (epoch, rev) after an operation sent
// at m; write tells whether that operation produced rev. It reports whether
// the store went back, after the handlers ran.
func (g *epochGuard) observe(m epochMark, epoch string, rev int64, write bool) (bool, string) {
	g.mu.Lock()
	wentBack, why := g.wentBack(m, epoch, rev, write)
	if !wentBack {
		if rev > g.seen {
			g.seen = rev
		}
		if g.epoch == "" {
			g.epoch = epoch
		}
		g.mu.Unlock()
		return false, ""
	}
	g.epoch, g.seen = epoch, rev
	g.gen++
	handlers := append([]func(){}, g.handlers...)
	g.mu.Unlock()
	for _, fn := range handlers {
		fn()
	}
	return true, why
}

func (g *epochGuard) wentBack(m epochMark, epoch string, rev int64, write bool) (bool, string) {
	switch {
	case g.epoch != "" && epoch != g.epoch:
		return true, "install epoch changed"
	case m.gen != g.gen:
		// A reset happened while the operation was in flight; its
		// revision belongs to the new baseline.
		return false, ""
	case rev < m.seen, write && rev == m.seen:
		return true, "revision went back"
	}
	return false, ""
}

// OnReset registers fn to run when the store is found wiped or rolled back,
// before the operation that noticed it returns. Watches end with 410 Gone by
// themselves; fn is for state kept outside them (caches, delivery cursors).
func (s *Store) OnReset(fn func()) { s.guard.onReset(fn) }

// currentRevision reads the revision counter and the install epoch (creating
// the epoch if the store has none yet) and checks them with the guard.
func (s *Store) currentRevision(ctx context.Context) (int64, error) {
	m := s.guard.mark()
	start := time.Now()
	res, err := currentScript.Run(ctx, s.client, []string{s.keys.rev, s.keys.epoch}).Slice()
	s.recordRequest(ctx, "getCurrentResourceVersion", err, start)
	if err != nil {
		return 0, fmt.Errorf("redis storage getCurrentResourceVersion: %w", err)
	}
	if len(res) != 2 {
		return 0, fmt.Errorf("redis storage getCurrentResourceVersion: malformed script reply %v", res)
	}
	rev, _ := res[0].(int64)
	epoch, _ := res[1].(string)
	s.observeEpoch(m, epoch, rev, false)
	return rev, nil
}

// observeEpoch feeds the guard and logs a reset once, where it was noticed.
func (s *Store) observeEpoch(m epochMark, epoch string, rev int64, write bool) {
	if reset, why := s.guard.observe(m, epoch, rev, write); reset {
		s.logger().Info("Store was wiped or rolled back; ending watches so every client relists",
			"reason", why, "revision", rev, "seenBefore", m.seen)
	}
}

// resetAfterWentBack forgets what the process knew about the old store.
func (s *Store) resetAfterWentBack() {
	s.compacted.Store(0)
	s.hub.failAll(apierrors.NewResourceExpired("the store was wiped or rolled back; relist"))
}
