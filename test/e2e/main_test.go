// Package e2e drives the product through real servers: each test starts its own stack
// (kube-apiserver, etcd, Redis, netweave, ...) on ports no other stack of this process was
// given (localstack.FreePort), so tests share nothing but the machine.
//
// Most tests call t.Parallel: they spend most of their time waiting on servers (one at a
// time, the machine's 2 cores were 62 % idle), and `make test-e2e` runs three at a time
// (-parallel 3), which halves the suite's time. The few that hold their stack to a time
// bound do not: those that load it and bound its recovery (a Redis fault, the alarm storm, a
// lease taken over), those that check who holds a 4 s lease while another replica waits for
// it (a renewal starved of CPU past its deadline would hand it over), and the API Priority and
// Fairness bursts that bound the slowest answer. go test runs those first, one at a time,
// before the parallel ones start.
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
