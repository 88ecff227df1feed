package apiserver

import (
	"os"
	"testing"

	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// TestMain lets the test binary serve as the chart renderer, which also parses chart
// repositories' indexes (helmrelease.ServeRenderChild), as netweave's main does.
func TestMain(m *testing.M) {
	helmrelease.ServeRenderChild()
	os.Exit(m.Run())
}
