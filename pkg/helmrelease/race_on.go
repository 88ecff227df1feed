//go:build race

package helmrelease

// raceDetector: the race detector's shadow memory takes address space in proportion to the
// heap, which the rendering child's address-space limit would refuse.
const raceDetector = true
