package requeue

import (
	"testing"
	"time"
)

// TestFailingKeyWaitsAtMostMaxDelay is the regression test for a key that failed through a
// long Redis outage waiting up to 1000 s (client-go's default cap) after Redis was back: the
// per-key wait doubles up to MaxDelay and no further, and a key that succeeded starts over.
func TestFailingKeyWaitsAtMostMaxDelay(t *testing.T) {
	l := RateLimiter[string]()
	var last time.Duration
	for i := 0; i < 40; i++ { // 5 ms doubled 40 times is far past 1000 s
		last = l.When("node/a")
		if last > MaxDelay {
			t.Fatalf("failure %d waits %s, want at most %s", i+1, last, MaxDelay)
		}
	}
	if last != MaxDelay {
		t.Errorf("after 40 failures the wait is %s, want %s", last, MaxDelay)
	}
	if d := l.When("node/b"); d > 10*time.Millisecond {
		t.Errorf("another key's first retry waits %s", d)
	}
	l.Forget("node/a")
	if d := l.When("node/a"); d > 10*time.Millisecond {
		t.Errorf("a key that succeeded waits %s on its next failure, want to start over", d)
	}
}
