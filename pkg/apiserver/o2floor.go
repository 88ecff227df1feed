//go:build o2floor

package apiserver

import (
	"fmt"
	"net/http"
	"os"

	"github.com/netweave-io/netweave/internal/capturedanswers"
)

// envO2FloorBodies names the file of answers the floor serves (capturedanswers.Write), the file
// test/bench's ceiling serves from.
const envO2FloorBodies = "NETWEAVE_O2_FLOOR_BODIES"

// o2Floor, in the o2floor build only (go build -tags o2floor; `make bench-o2` builds it as
// _output/bin/netweave-o2floor), replaces the O2 handler with the ceiling's: each request URI
// answered with bytes captured from the real handler. Everything around the handler is the
// real O2 listener and filter chain (TLS, request context, panic recovery, authentication,
// audit, API Priority and Fairness), so BenchmarkO2 measures what the chain alone costs
// against the bare ceiling, the most the O2 face can reach with that chain in front of it.
func o2Floor(http.Handler) http.Handler {
	answers, err := capturedanswers.Read(os.Getenv(envO2FloorBodies))
	if err != nil {
		panic(fmt.Sprintf("o2floor build: %s: %v", envO2FloorBodies, err))
	}
	return capturedanswers.Handler(answers)
}
