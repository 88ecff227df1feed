package e2e

import (
	"os"
	"testing"

	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// TestMain lets this test binary serve as the chart renderer of the Helm engines the tests run
// in process (helmrelease renders templates in a child process of its own executable).
func TestMain(m *testing.M) {
	helmrelease.ServeRenderChild()
	os.Exit(m.Run())
}
