package smoreg

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestRegressionRetryAfterIsHonoured: an SMO answering 429 (or 503) with Retry-After was asked
// again after the backoff alone (1 s, 2 s, 4 s, …), however long it asked for: a rate-limited
// SMO got every retry early and counted each against the O-Cloud. The wait is now the longer
// of the backoff and Retry-After, at most --smo-registration-retry-max.
func TestRegressionRetryAfterIsHonoured(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		retryAfter func(now time.Time) string
		want       time.Duration
	}{
		{"seconds", func(time.Time) string { return "3" }, 3 * time.Second},
		{"date", func(now time.Time) string { return now.Add(3 * time.Second).UTC().Format(http.TimeFormat) }, 3 * time.Second},
		// Capped at RetryMax (4 s in the fixture): the SMO cannot make us give up.
		{"capped", func(time.Time) string { return "3600" }, 4 * time.Second},
		// Shorter than the backoff: the backoff.
		{"short", func(time.Time) string { return "0" }, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 0, "")
			var posts atomic.Int32
			limited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				posts.Add(1)
				w.Header().Set("Retry-After", tc.retryAfter(f.clk.Now()))
				w.WriteHeader(http.StatusTooManyRequests)
			}))
			t.Cleanup(limited.Close)
			f.a.cfg.URL = limited.URL
			if wait := f.a.Sync(ctx); wait != tc.want {
				t.Fatalf("retry in %s, want %s", wait, tc.want)
			}
			f.clk.Step(time.Second)
			f.a.Sync(ctx)
			if want := int32(1); tc.want > time.Second && posts.Load() != want {
				t.Fatalf("%d POSTs 1s after a 429 asking for %s, want %d", posts.Load(), tc.want, want)
			}
		})
	}
}
