package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
)

// epochKey holds a random value the notifier writes when it finds none. A wiped Redis (FLUSHALL,
// a restart without persistence) loses it with the notifier's cursors and recorded states, so a
// different value means that what the notifier recorded is gone and the revisions restarted.
func (s *Store) epochKey() string { return s.tag + ":epoch" }

func newEpochValue() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("notifier epoch: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Epoch returns the store's epoch, creating it when there is none.
func (s *Store) Epoch(ctx context.Context) (string, error) {
	v, err := newEpochValue()
	if err != nil {
		return "", err
	}
	if err := s.c.SetNX(ctx, s.epochKey(), v, 0).Err(); err != nil {
		return "", fmt.Errorf("create notifier epoch: %w", err)
	}
	cur, err := s.c.Get(ctx, s.epochKey()).Result()
	if err != nil {
		return "", fmt.Errorf("read notifier epoch: %w", err)
	}
	return cur, nil
}

// NewEpoch replaces the epoch: the store went back without losing it (a rollback).
func (s *Store) NewEpoch(ctx context.Context) error {
	v, err := newEpochValue()
	if err != nil {
		return err
	}
	if err := s.c.Set(ctx, s.epochKey(), v, 0).Err(); err != nil {
		return fmt.Errorf("replace notifier epoch: %w", err)
	}
	return nil
}

// epochs counts the store resets this process has seen: the generation goes up whenever the
// epoch read differs from the last one. Watchers and subscription workers remember the
// generation their state belongs to.
type epochs struct {
	store *Store
	// onReset runs (once per reset, under no lock of epochs) when the generation goes up.
	onReset func()

	mu     sync.Mutex
	marker string
	gen    uint64
}

// current reads the epoch and returns the generation.
func (e *epochs) current(ctx context.Context) (uint64, error) {
	marker, err := e.store.Epoch(ctx)
	if err != nil {
		return 0, err
	}
	e.mu.Lock()
	reset := e.marker != "" && e.marker != marker
	if reset {
		e.gen++
	}
	e.marker = marker
	gen := e.gen
	e.mu.Unlock()
	if reset && e.onReset != nil {
		e.onReset()
	}
	return gen, nil
}

// wentBack records a rollback noticed otherwise (revisions below a cursor): a new epoch, so
// that everyone holding the old one finds out too.
func (e *epochs) wentBack(ctx context.Context) (uint64, error) {
	if err := e.store.NewEpoch(ctx); err != nil {
		return 0, err
	}
	return e.current(ctx)
}
