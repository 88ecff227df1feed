// Package decodecost measures, for the tests of a free-form value's bound, what the largest
// value the bound accepts costs to decode: the bound is in bytes, decoding allocates per item.
package decodecost

import (
	"bytes"
	"encoding/json"
	"runtime"
)

// Largest is value(n) for the largest n in [1, max] that accepts accepts, by bisection:
// accepts must hold for value(1) and, once it fails, fail for every larger n.
func Largest(max int, value func(n int) []byte, accepts func([]byte) bool) []byte {
	lo, hi := 1, max
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if accepts(value(mid)) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return value(lo)
}

// Allocated is what decoding raw into Go values allocates, as the O2 face, the notifier and
// the controllers decode free-form values (numbers as json.Number). It panics on raw that is
// not JSON: a test's own value.
func Allocated(raw []byte) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(err)
	}
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return after.TotalAlloc - before.TotalAlloc
}
