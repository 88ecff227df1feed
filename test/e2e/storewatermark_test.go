package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionRollbackWhileNoReplicaRan: Redis went back (a failover to a lagging replica)
// while no netweave that saw the discarded revisions ran (every replica restarted with it).
// The netweave that started had seen nothing to compare the store with, and the counter,
// epoch and fingerprints in Redis went back with the data; once new writes passed a client's
// revision from the discarded history, the client's watch from it was accepted and went on
// in the new history, skipping the new writes below it. netweave now records the newest
// revision it saw in a Lease (--redis-watermark-lease), starts its stores from it, notices,
// rebases past it, and tells that client to relist.
func TestRegressionRollbackWhileNoReplicaRan(t *testing.T) {
	t.Parallel()
	s := startStack(t, "--redis-watermark-interval=500ms")
	cfg := s.cp.RESTConfig(localstack.Admin)
	kube := kubernetes.NewForConfigOrDie(cfg)
	locations := versioned.NewForConfigOrDie(cfg).O2imsV1alpha1().Locations(invNS)
	ctx := context.Background()
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: invNS}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	create := func(name string) {
		t.Helper()
		if _, err := locations.Create(ctx, wipeLocation(name), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	create("kept")
	rdb := goredis.NewClient(&goredis.Options{Addr: s.redis.Addr()})
	defer rdb.Close()
	snapshot, err := redisserver.TakeSnapshot(ctx, rdb)
	if err != nil {
		t.Fatal(err)
	}
	create("lost-1")
	create("lost-2")
	list, err := locations.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	held, err := strconv.ParseInt(list.ResourceVersion, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the watermark Lease covers the client's revision", func() error {
		lease, err := kube.CoordinationV1().Leases(invNS).Get(ctx, "netweave-store-watermark", metav1.GetOptions{})
		if err != nil {
			return err
		}
		rev, _ := strconv.ParseInt(lease.Annotations["storage.netweave.io/revision"], 10, 64)
		if rev < held {
			return fmt.Errorf("lease records revision %d, the client holds %d", rev, held)
		}
		return nil
	})

	if err := s.netweave.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := snapshot.Restore(ctx, rdb); err != nil {
		t.Fatal(err)
	}
	if err := s.netweave.Start(); err != nil {
		t.Fatal(err)
	}
	// The first write waits for the restarted netweave; with the next two the new history
	// passes the client's revision.
	eventually(t, time.Minute, "netweave takes writes again", func() error {
		_, err := locations.Create(ctx, wipeLocation("new-1"), metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	})
	create("new-2")
	create("new-3")

	t.Run("a watch from the discarded history is told to relist", func(t *testing.T) {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		w, err := locations.Watch(wctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
		if err != nil {
			if isStatus(err, http.StatusGone) {
				return
			}
			t.Fatalf("watch from %s: %v, want 410 Gone", list.ResourceVersion, err)
		}
		defer w.Stop()
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("the watch closed without an event")
			}
			if st, isStatus := ev.Object.(*metav1.Status); ev.Type == watch.Error && isStatus && st.Code == http.StatusGone {
				return
			}
			t.Fatalf("watch from revision %s of the discarded history went on in the new one (first event %s %T); want 410 Gone",
				list.ResourceVersion, ev.Type, ev.Object)
		case <-wctx.Done():
			t.Fatalf("watch from revision %s of the discarded history: no event in 30 s, want 410 Gone", list.ResourceVersion)
		}
	})

	t.Run("what is served is what the store has", func(t *testing.T) {
		now, err := locations.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, l := range now.Items {
			names = append(names, l.Name)
		}
		slices.Sort(names)
		if want := []string{"kept", "new-1", "new-2", "new-3"}; !slices.Equal(names, want) {
			t.Fatalf("locations after the rollback: %v, want %v", names, want)
		}
	})
}
