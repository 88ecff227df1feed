// Package goroutines lets tests see what the process's goroutines are doing: a test that must
// know a goroutine is blocked where it expects (not merely slow to get there) reads their
// stacks instead of sleeping.
package goroutines

import (
	"runtime"
	"strings"
)

// In returns the stacks of the goroutines that contain every one of parts (frames, states such
// as " [select"), one string per goroutine.
func In(parts ...string) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		all := true
		for _, p := range parts {
			if !strings.Contains(g, p) {
				all = false
				break
			}
		}
		if all {
			out = append(out, g)
		}
	}
	return out
}
