package redis

import "context"

// Watermark is the newest revision a process saw of the store, with the install epoch it was
// seen in and its fingerprint. A process that starts after the store went back while no
// process that saw the discarded revisions ran (a failover to a lagging replica together with
// a restart of every replica) has seen nothing to compare the store with, and everything
// inside Redis (counter, epoch, fingerprints) went back with the data; a watermark kept
// outside Redis and given to the new process's stores (Seed) lets it notice.
type Watermark struct {
	// Epoch is the install epoch the revision was seen in.
	Epoch string
	// Revision is the revision seen.
	Revision int64
	// ID is the revision's fingerprint, "" when unknown.
	ID string
}

// IsZero tells a watermark that records nothing.
func (w Watermark) IsZero() bool { return w.Epoch == "" || w.Revision <= 0 }

// Seed makes the store start from w as if this process had seen it: the first revision read or
// write then finds a store that went back since (another install epoch, a counter below w, w's
// revision made again by another write), resets and rebases past w, exactly as a process that
// saw w itself would. It is for a store that has not been used yet; on one that has, or with a
// zero w, it does nothing.
func (s *Store) Seed(w Watermark) { s.guard.seed(w) }

// Watermark reads the store's revision, checked as every revision read is (so a store that
// went back is noticed and rebased first), and returns the newest revision this process saw.
// against is a watermark another process recorded (zero: none); when it is of the epoch this
// process knows, the store is checked against it instead: a counter below it, or its revision
// made again by another write, is a store that went back under a process that never saw that
// revision (this process's own newest revision is checked by its other reads and writes).
func (s *Store) Watermark(ctx context.Context, against Watermark) (Watermark, error) {
	m := s.guard.mark()
	if !against.IsZero() && against.Epoch == m.epoch && (against.Revision > m.seen || against.ID != "") {
		m.seen, m.seenID = against.Revision, against.ID
	}
	if _, _, err := s.checkedRevisionAt(ctx, m); err != nil {
		return Watermark{}, err
	}
	m = s.guard.mark()
	return Watermark{Epoch: m.epoch, Revision: m.seen, ID: m.seenID}, nil
}

// seed adopts w as what this process saw, unless it has seen anything already.
func (g *epochGuard) seed(w Watermark) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if w.IsZero() || g.epoch != "" || g.seen != 0 {
		return
	}
	g.epoch, g.seen, g.seenID = w.Epoch, w.Revision, w.ID
}
