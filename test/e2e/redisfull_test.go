package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/internal/localstack"
)

// testRedisFull fills Redis up under a running netweave (maxmemory reached, with the
// noeviction policy netweave requires). Regression: every write then answered 500 "redis
// storage create …: OOM command not allowed … script: c52fd…" on kubectl, an error of unknown
// outcome naming a Lua script, and 500 "could not create the subscription" on the O2 face. Now
// both faces answer 507 saying nothing was written, reads and readiness go on (a full store is
// not a reason to take every replica out of its Service), the refusals are counted, and the
// same writes succeed once Redis has room.
func testRedisFull(t *testing.T, s *stack) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := s.admin(t)
	o2 := s.o2As(t, localstack.Admin)
	readyz := s.readyzClient(t)
	metrics := s.metricsReader(t)
	rdb := goredis.NewClient(&goredis.Options{Addr: s.redis.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	locations := "/tenants/" + demoNS + inventoryAPI + "/v2/locations"
	const subscription = `{"callback":"https://smo.example.net/when-full"}`

	// The subtest before restarts netweave: "reads go on" means the reads served before Redis
	// fills are still served, so they must be served first (on a busy machine the O2 face can
	// still be catching up with the store a moment after the restart, answering 503).
	eventually(t, 30*time.Second, "the O2 face and readiness serve before Redis fills", func() error {
		if code, _, body := o2.do(http.MethodGet, locations, ""); code != http.StatusOK {
			return errorf("O2 GET: %d %s", code, body)
		}
		if code := readyz(); code != http.StatusOK {
			return errorf("readyz: %d", code)
		}
		return nil
	})

	// Any memory in use is above one byte: Redis refuses every write command from here on.
	if err := rdb.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	full := true
	lift := func() {
		if full {
			full = false
			if err := rdb.ConfigSet(context.Background(), "maxmemory", "0").Err(); err != nil {
				t.Errorf("lift maxmemory: %v", err)
			}
		}
	}
	t.Cleanup(lift)

	_, err := client.O2imsV1alpha1().Locations(demoNS).Create(ctx, newLocation("while-full"), metav1.CreateOptions{})
	var st apierrors.APIStatus
	if !errors.As(err, &st) || st.Status().Code != http.StatusInsufficientStorage || st.Status().Reason != "InsufficientStorage" ||
		!strings.Contains(st.Status().Message, "Nothing was written") || strings.Contains(st.Status().Message, "script:") {
		t.Errorf("create while Redis is full: %v, want 507 InsufficientStorage saying nothing was written", err)
	}
	manifest := `{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"Location","metadata":{"name":"kubectl-while-full","namespace":"` + demoNS + `"},"spec":{"globalLocationId":"LOC-kubectl-while-full","name":"kubectl-while-full"}}`
	_, stderr, err := s.kubectlStdin(t, localstack.Admin, manifest, "create", "-f", "-")
	if err == nil || !strings.Contains(stderr, "InsufficientStorage") || !strings.Contains(stderr, "maxmemory") {
		t.Errorf("kubectl create while Redis is full: %v\n%s\nwant InsufficientStorage naming maxmemory", err, stderr)
	}
	t.Logf("kubectl: %s", strings.TrimSpace(stderr))

	code, hdr, body := o2.do(http.MethodPost, inventoryAPI+"/v1/subscriptions", subscription)
	if code != http.StatusInsufficientStorage || hdr.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(string(body), "nothing was written") || strings.Contains(string(body), "o2ims.oran.org/") {
		t.Errorf("O2 POST subscription while Redis is full: %d %s %s, want 507 problem+json without store keys", code, hdr.Get("Content-Type"), body)
	}

	if code, _, body := o2.do(http.MethodGet, locations, ""); code != http.StatusOK {
		t.Errorf("O2 GET while Redis is full: %d %s, want reads served", code, body)
	}
	if _, err := client.O2imsV1alpha1().Locations(demoNS).List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("kubectl-face list while Redis is full: %v", err)
	}
	if code := readyz(); code != http.StatusOK {
		t.Errorf("readyz while Redis is full: %d, want 200 (reads are served)", code)
	}
	if got := metrics.value(t, "netweave_redis_storage_rejected_total", `reason="full"`); got < 3 {
		t.Errorf("netweave_redis_storage_rejected_total{reason=\"full\"} = %v, want at least the 3 refused writes", got)
	}

	lift()
	if _, err := client.O2imsV1alpha1().Locations(demoNS).Create(ctx, newLocation("while-full"), metav1.CreateOptions{}); err != nil {
		t.Errorf("create once Redis has room: %v", err)
	}
	var created struct{ SubscriptionID string }
	eventually(t, 30*time.Second, "the O2 subscription accepted once Redis has room", func() error {
		code, _, body := o2.do(http.MethodPost, inventoryAPI+"/v1/subscriptions", subscription)
		if code != http.StatusCreated {
			return fmt.Errorf("POST: %d %s", code, body)
		}
		return json.Unmarshal(body, &created)
	})
	if code, _, body := o2.do(http.MethodDelete, inventoryAPI+"/v1/subscriptions/"+created.SubscriptionID, ""); code != http.StatusOK {
		t.Errorf("DELETE the subscription: %d %s", code, body)
	}
}
