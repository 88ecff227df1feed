package requeue

import (
	"fmt"
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

// TestRegressionManyFailingKeysWaitAtMostMaxDelay: MaxDelay held per key only. The overall
// bucket (10 a second, bursts of 100) reserves a token for every failure, so when many keys
// failed together, as every inventory key does while Redis is down, the k-th waited about
// k/10 s: with 2,000 keys the last ~190 s, and keys stayed stale that long after Redis was back.
func TestRegressionManyFailingKeysWaitAtMostMaxDelay(t *testing.T) {
	l := RateLimiter[string]()
	for i := 0; i < 2000; i++ {
		if d := l.When(fmt.Sprintf("node/%d", i)); d > MaxDelay {
			t.Fatalf("failing key %d waits %s, want at most %s", i+1, d, MaxDelay)
		}
	}
}
