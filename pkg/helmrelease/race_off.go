//go:build !race

package helmrelease

const raceDetector = false
