//go:build o2floor

package apiserver

import (
	"encoding/gob"
	"fmt"
	"net/http"
	"os"
)

// envO2FloorBodies names the file of answers the floor serves: a gob-encoded map from request
// URI to body, the file test/bench's ceiling serves from.
const envO2FloorBodies = "NETWEAVE_O2_FLOOR_BODIES"

// o2Floor, in the o2floor build only (go build -tags o2floor; `make bench-o2` builds it as
// _output/bin/netweave-o2floor), replaces the O2 handler with the ceiling's: each request URI
// answered with bytes captured from the real handler. Everything around the handler is the
// real O2 listener and filter chain (TLS, request context, panic recovery, authentication,
// audit, API Priority and Fairness), so BenchmarkO2 measures what the chain alone costs
// against the bare ceiling, the most the O2 face can reach with that chain in front of it.
func o2Floor(http.Handler) http.Handler {
	path := os.Getenv(envO2FloorBodies)
	f, err := os.Open(path)
	if err != nil {
		panic(fmt.Sprintf("o2floor build: %s: %v", envO2FloorBodies, err))
	}
	defer f.Close()
	var bodies map[string][]byte
	if err := gob.NewDecoder(f).Decode(&bodies); err != nil {
		panic(fmt.Sprintf("o2floor build: read %s: %v", path, err))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bodies[r.RequestURI]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}
