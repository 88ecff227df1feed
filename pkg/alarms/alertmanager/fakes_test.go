package alertmanager

import (
	"context"
	"sync"

	"github.com/netweave-io/netweave/pkg/alarms"
)

// recordingSink is an alarms.Sink that remembers what it was told.
type recordingSink struct {
	mu       sync.Mutex
	observed []alarms.Observation
	synced   [][]alarms.Observation
	err      error
}

func (s *recordingSink) Observe(_ context.Context, o alarms.Observation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.observed = append(s.observed, o)
	return nil
}

func (s *recordingSink) Sync(_ context.Context, source string, active []alarms.Observation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if source != SourceName {
		panic("sync of another source: " + source)
	}
	s.synced = append(s.synced, active)
	return nil
}

func (s *recordingSink) observations() []alarms.Observation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]alarms.Observation(nil), s.observed...)
}

func (s *recordingSink) syncs() [][]alarms.Observation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]alarms.Observation(nil), s.synced...)
}

// fixedResolver maps every alert to one fixed object.
type fixedResolver struct{ ref alarms.ObjectRef }

func (r fixedResolver) Resolve(context.Context, map[string]string) (alarms.ObjectRef, error) {
	return r.ref, nil
}
