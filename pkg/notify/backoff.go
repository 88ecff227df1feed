package notify

import (
	"math/rand/v2"
	"time"
)

// Backoff computes the wait before a retry: exponential from Base, capped at Max, with full
// jitter (a uniform draw between 0 and the exponential value) so that callbacks recovering
// from an outage are not hit by every retry at once.
type Backoff struct {
	Base, Max time.Duration
}

// Delay is the wait after the given number of consecutive failures (1 for the first). rnd
// returns a float in [0,1); nil uses math/rand.
func (b Backoff) Delay(failures int, rnd func() float64) time.Duration {
	if failures < 1 {
		return 0
	}
	d := b.Base
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	if d > b.Max {
		d = b.Max
	}
	if rnd == nil {
		rnd = rand.Float64
	}
	// Never less than a tenth of the exponential value: a zero wait would spin.
	return d/10 + time.Duration(rnd()*float64(d-d/10))
}
