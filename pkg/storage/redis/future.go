package redis

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/storage"
)

const (
	// futureRevisionTimeout is how long a watch from a revision the store
	// has not reached waits for it, like the upstream cacher's blockTimeout:
	// long enough for a client that read its revision from another replica,
	// short enough that a revision from a wiped or rolled-back store is
	// answered instead of hanging forever.
	futureRevisionTimeout = 3 * time.Second
	// futureRevisionRetrySeconds is the Retry-After of that answer, the
	// cacher's resourceVersionTooHighRetrySeconds.
	futureRevisionRetrySeconds = 1
)

// waitForRevision returns nil once the store's revision reaches rev, or
// "Too large resource version" (504 with Retry-After) when it has not within
// futureRevisionTimeout. The revision counter is shared by every resource,
// so it is polled rather than derived from this resource's stream, which
// may never move.
func (s *Store) waitForRevision(ctx context.Context, rev uint64) error {
	deadline := time.NewTimer(futureRevisionTimeout)
	defer deadline.Stop()
	poll := time.NewTicker(s.cfg.WatchPollInterval)
	defer poll.Stop()
	var unavailable error
	for {
		current, err := s.GetCurrentResourceVersion(ctx)
		unavailable = nil
		if err != nil {
			// Redis unavailable while the watch waits (restarting, failing over) is asked
			// again until the deadline, and is a 503 (try again) if it lasts, never a 500.
			status := requestError("watch", s.resourcePrefix, err)
			if !apierrors.IsServiceUnavailable(status) {
				return status
			}
			unavailable = status
		} else if current >= rev {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for revision %d: %w", rev, ctx.Err())
		case <-deadline.C:
			if unavailable != nil {
				return unavailable
			}
			return storage.NewTooLargeResourceVersionError(rev, current, futureRevisionRetrySeconds)
		case <-poll.C:
		}
	}
}
