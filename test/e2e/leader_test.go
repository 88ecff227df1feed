package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/netweave-io/netweave/internal/localstack"
)

// TestLeaderIdentities runs two netweave replicas on one host with neither identity flag: each
// picks its own identity, so for each Lease (the inventory sync's and the notifier's) exactly
// one of them leads, and the other takes over, as itself, when the leader stops.
func TestLeaderIdentities(t *testing.T) {
	// Runs alone, before the parallel tests: see main_test.go.
	args := append(invArgs(""), notifierArgs...)
	s := startStack(t, args...)
	kube := kubernetes.NewForConfigOrDie(s.cp.RESTConfig(localstack.Admin))
	leases := []string{invLease, "netweave-notifier"}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	holder := func(lease string) (string, error) {
		l, err := kube.CoordinationV1().Leases(invNS).Get(context.Background(), lease, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return ptr.Deref(l.Spec.HolderIdentity, ""), nil
	}
	first := map[string]string{}
	for _, lease := range leases {
		eventually(t, syncWait, "the first replica holds "+lease, func() error {
			h, err := holder(lease)
			if err != nil || !strings.HasPrefix(h, host+"_") {
				return fmt.Errorf("holder %q (%v), want %s_<suffix>", h, err, host)
			}
			first[lease] = h
			return nil
		})
	}

	b := s.startReplica(t, "replica-b", args...)
	// Replica b reports each Lease's holder once it has read the Lease; had it the same
	// identity, it would renew the Lease as its own instead.
	bLog := filepath.Join(s.cp.Dir, "netweave-replica-b.log")
	for _, lease := range leases {
		eventually(t, syncWait, "replica-b sees another replica lead "+lease, func() error {
			log, err := os.ReadFile(bLog)
			if err != nil {
				return err
			}
			want := fmt.Sprintf(`"Another replica leads" lease="%s/%s"`, invNS, lease)
			if !strings.Contains(string(log), want) {
				return fmt.Errorf("log lacks %s", want)
			}
			return nil
		})
	}
	aMetrics, bMetrics := s.metricsReader(t), s.metricsReaderAt(t, b.port)
	for _, lease := range leases {
		name := fmt.Sprintf(`name=%q`, lease)
		if a, b := aMetrics.value(t, "leader_election_master_status", name), bMetrics.value(t, "leader_election_master_status", name); a != 1 || b != 0 {
			t.Errorf("leader_election_master_status{%s}: %v on the first replica, %v on replica-b; want 1 and 0", name, a, b)
		}
		if h, err := holder(lease); err != nil || h != first[lease] {
			t.Errorf("%s held by %q (%v) after replica-b joined, want %q", lease, h, err, first[lease])
		}
	}
	// The inventory sync's queue reports as client-go's workqueue metrics under its name (its
	// full resync queued every Node on the leader); the replica that does not lead queued
	// nothing, and the hand-made duplicate is gone.
	if a, b := aMetrics.value(t, "workqueue_adds_total", `name="inventory"`), bMetrics.value(t, "workqueue_adds_total", `name="inventory"`); a == 0 || b != 0 {
		t.Errorf(`workqueue_adds_total{name="inventory"}: %v on the leader, %v on replica-b; want some and 0`, a, b)
	}
	if !aMetrics.has(t, `workqueue_depth{name="inventory"`) {
		t.Error(`the leader's /metrics lacks workqueue_depth{name="inventory"}`)
	}
	if aMetrics.has(t, "netweave_inventory_queue_depth") {
		t.Error("netweave_inventory_queue_depth duplicates workqueue_depth{name=\"inventory\"}")
	}

	if err := s.netweave.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, lease := range leases {
		eventually(t, syncWait, "replica-b takes "+lease+" over as itself", func() error {
			h, err := holder(lease)
			if err != nil || h == first[lease] || !strings.HasPrefix(h, host+"_") {
				return fmt.Errorf("holder %q (%v)", h, err)
			}
			if v := bMetrics.value(t, "leader_election_master_status", fmt.Sprintf(`name=%q`, lease)); v != 1 {
				return fmt.Errorf("replica-b reports leader_election_master_status %v", v)
			}
			return nil
		})
	}
}
