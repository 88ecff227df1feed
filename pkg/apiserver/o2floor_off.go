//go:build !o2floor

package apiserver

import "net/http"

// o2Floor is the O2 handler itself in every build but the benchmark's o2floor build
// (o2floor.go).
func o2Floor(h http.Handler) http.Handler { return h }
