package alertmanager

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/netweave-io/netweave/pkg/alarms"
)

// recordingSink is an alarms.Sink that remembers what the webhook receiver observed. It fails
// every observation with err, or those of the alerts (by fingerprint) in failKeys.
type recordingSink struct {
	mu       sync.Mutex
	observed []alarms.Observation
	err      error
	failKeys map[string]error
}

func (s *recordingSink) Observe(_ context.Context, o alarms.Observation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if err := s.failKeys[o.Key]; err != nil {
		return err
	}
	s.observed = append(s.observed, o)
	return nil
}

// Sync is not what the webhook calls; the resync is tested against the real Alertmanager.
func (s *recordingSink) Sync(context.Context, string, []alarms.Observation, time.Time) error {
	return errors.New("unexpected Sync from the webhook receiver")
}

func (s *recordingSink) SyncScope(context.Context, string, []alarms.Observation, time.Time, alarms.Scope) error {
	return errors.New("unexpected SyncScope from the webhook receiver")
}

func (s *recordingSink) observations() []alarms.Observation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]alarms.Observation(nil), s.observed...)
}

// fixedResolver maps every alert to one fixed object.
type fixedResolver struct{ ref alarms.ObjectRef }

func (r fixedResolver) Resolve(context.Context, map[string]string) (alarms.ObjectRef, error) {
	return r.ref, nil
}
