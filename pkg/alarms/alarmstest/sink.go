// Package alarmstest has test doubles of the alarms contract.
package alarmstest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netweave-io/netweave/pkg/alarms"
)

// Sink records what sources report, and can fail on demand.
type Sink struct {
	mu       sync.Mutex
	observed []alarms.Observation
	syncs    [][]alarms.Observation
	scoped   []ScopedSync
	failures int
	changed  chan struct{}
}

// NewSink returns an empty recording sink.
func NewSink() *Sink { return &Sink{changed: make(chan struct{}, 1)} }

// ErrInjected is what the sink returns for a failure asked for with FailNext.
var ErrInjected = errors.New("injected sink failure")

// FailNext makes the next n calls fail with ErrInjected.
func (s *Sink) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = n
}

// Observe implements alarms.Sink.
func (s *Sink) Observe(_ context.Context, o alarms.Observation) error {
	return s.record(func() { s.observed = append(s.observed, o) })
}

// Sync implements alarms.Sink.
func (s *Sink) Sync(_ context.Context, _ string, active []alarms.Observation, _ time.Time) error {
	return s.record(func() { s.syncs = append(s.syncs, slices.Clone(active)) })
}

// ScopedSync is what one SyncScope call stated.
type ScopedSync struct {
	Active []alarms.Observation
	Scope  alarms.Scope
}

// Clears reports whether the sync clears a recorded alarm of key raised with extensions: it is
// within the scope and not among the active.
func (s ScopedSync) Clears(key string, extensions map[string]string) bool {
	return s.Scope(key, extensions) && !slices.ContainsFunc(s.Active, func(o alarms.Observation) bool { return o.Key == key })
}

// SyncScope implements alarms.Sink; Syncs does not list its calls, ScopedSyncs does.
func (s *Sink) SyncScope(_ context.Context, _ string, active []alarms.Observation, _ time.Time, scope alarms.Scope) error {
	return s.record(func() { s.scoped = append(s.scoped, ScopedSync{Active: slices.Clone(active), Scope: scope}) })
}

// ScopedSyncs returns every SyncScope call so far.
func (s *Sink) ScopedSyncs() []ScopedSync {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.scoped)
}

func (s *Sink) record(f func()) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures > 0 {
		s.failures--
		return ErrInjected
	}
	f()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return nil
}

// Latest is the last observation recorded with key, and whether there is one.
func (s *Sink) Latest(key string) (alarms.Observation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.observed) - 1; i >= 0; i-- {
		if s.observed[i].Key == key {
			return s.observed[i], true
		}
	}
	return alarms.Observation{}, false
}

// All is every observation recorded with key, in order.
func (s *Sink) All(key string) []alarms.Observation {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []alarms.Observation
	for _, o := range s.observed {
		if o.Key == key {
			out = append(out, o)
		}
	}
	return out
}

// Syncs returns the active sets of every Sync call so far.
func (s *Sink) Syncs() [][]alarms.Observation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.syncs)
}

// WaitFor waits until cond holds after something was recorded, failing the test after a
// generous deadline (a hang, not a timing assumption).
func (s *Sink) WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
