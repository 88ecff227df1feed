package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
)

// TestHostAPIServerRestartUnderLoad: the cluster's own kube-apiserver (the one netweave is
// aggregated into, authenticates O2 tokens through and syncs Nodes from) killed with kill -9
// under TestRedisFailover's steady load, and started again on its etcd. While it is down:
//   - the O2 face keeps answering from netweave's cache while the SMOs' credentials are cached,
//     and once they are not (their TokenReview cannot be made) answers 503 with Retry-After,
//     never 401 (regression: a valid SMO token got 401 from 10 s into the outage, and
//     Alertmanager drops an alert answered 4xx) nor 500;
//
// and after it is back, what every fault scenario checks: writes and notifications resume, the
// watch opened before is not stuck, the informer catches up, nothing stale is served, every
// acknowledged write is readable and notified, no notification is duplicated.
func TestHostAPIServerRestartUnderLoad(t *testing.T) {
	// Runs alone, before the parallel tests: see main_test.go.
	ls := startLoadedStack(t, 10, 5)
	s, o2, pools, resources, l := ls.s, ls.o2, ls.pools, ls.resources, ls.l
	s.kubectl(t, localstack.Admin, "create", "clusterrolebinding", "smo-reader", "--clusterrole=o2ims-reader", "--user="+localstack.SMO)
	callers := map[string]*o2Client{"admin": s.o2As(t, localstack.Admin), "smo": s.o2As(t, localstack.SMO)}
	path := "/o2ims-infrastructureInventory/v1/resourcePools"
	for name, c := range callers {
		if code, _, body := c.do(http.MethodGet, path, ""); code != http.StatusOK {
			t.Fatalf("%s before the fault: %d %s", name, code, body)
		}
	}

	answers := map[string]int{} // "caller status" → count, during the outage
	sc := ls.scenario(t)
	var down time.Duration
	sc.run("kill -9 of kube-apiserver, started again on its etcd", func() time.Time {
		if err := s.cp.KubeAPIServer.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		at := time.Now()
		// Down until both callers' credentials can no longer be answered from the token
		// cache: every answer on the way is 200 or 503 with Retry-After.
		eventually(t, recoverWait, "503 to both callers while kube-apiserver is down", func() error {
			unavailable := 0
			for name, c := range callers {
				code, hdr, body := c.do(http.MethodGet, path, "")
				answers[fmt.Sprintf("%s %d", name, code)]++
				switch {
				case code == http.StatusServiceUnavailable && hdr.Get("Retry-After") != "" && strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json"):
					unavailable++
				case code != http.StatusOK:
					t.Errorf("%s during the outage: %d %s %s, want 200 (cached credentials) or 503 problem+json with Retry-After", name, code, hdr, body)
				}
			}
			if unavailable < len(callers) {
				return fmt.Errorf("%d of %d callers answered 503", unavailable, len(callers))
			}
			return nil
		})
		if err := s.cp.KubeAPIServer.Process.Start(); err != nil {
			t.Fatal(err)
		}
		down = time.Since(at)
		return at
	}, nil)
	l.stop()
	verifyAfterFaults(t, l, sc.faults, o2, ls.rdb, pools, resources)

	for name, c := range callers {
		if code, _, body := c.do(http.MethodGet, path, ""); code != http.StatusOK {
			t.Errorf("%s after the restart: %d %s", name, code, body)
		}
	}
	deliveries, redelivered, twice := duplicates(pools, nil)
	if twice != 0 {
		t.Errorf("%d pool changes notified under two notificationIds", twice)
	}
	t.Logf("kube-apiserver down %s; O2 answers during the outage %v; pool notifications: %d deliveries, %d redelivered notificationIds",
		down.Round(time.Millisecond), answers, deliveries, redelivered)
}
