package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/test/e2e/framework"
)

// TestStoreWipedWhileRunning is issue 10's reproduction: Redis loses its data (FLUSHALL, what a
// restart without persistence or a failover to a lagging replica looks like) under a running
// netweave, which must neither serve what vanished nor fail forever: watches end with 410 so
// clients relist, the inventory sync re-creates what the cluster still has with the same ids,
// a write after the wipe is readable at once, and a watch from a revision the store never
// reached answers "too large resource version" instead of hanging.
func TestStoreWipedWhileRunning(t *testing.T) {
	s := startStack(t, invArgs("replica-a")...)
	cfg := s.cp.RESTConfig(framework.Admin)
	c := invClients{kube: kubernetes.NewForConfigOrDie(cfg), o2: versioned.NewForConfigOrDie(cfg)}
	ctx := context.Background()
	c.createNode(t, "wipe-n1", "zone-a", "small", true)
	c.waitResource(t, invNS, "wipe-n1", nil)
	c.waitPoolCount(t, invNS, "zone-a", 1)
	before := c.syncedIDsErr()
	if before["resource/wipe-n1"] == "" || before["pool/o2ims-system/zone-a"] == "" {
		t.Fatalf("synced before the wipe: %v", before)
	}
	locations := c.o2.O2imsV1alpha1().Locations(invNS)
	if _, err := locations.Create(ctx, wipeLocation("before-wipe"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w, err := locations.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	rdb := goredis.NewClient(&goredis.Options{Addr: s.redis.Addr()})
	defer rdb.Close()
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	t.Run("a client watch ends with 410 Gone", func(t *testing.T) {
		deadline := time.After(syncWait)
		for {
			select {
			case ev, ok := <-w.ResultChan():
				if !ok {
					return // closed: the client relists, as on 410
				}
				if ev.Type == watch.Error {
					if st, ok := ev.Object.(*metav1.Status); !ok || st.Code != 410 {
						t.Fatalf("watch error %+v, want 410 Gone", ev.Object)
					}
					return
				}
			case <-deadline:
				t.Fatal("the watch neither ended nor said 410 after the wipe")
			}
		}
	})

	t.Run("the sync re-creates what the cluster still has, with the same ids", func(t *testing.T) {
		eventually(t, 2*syncWait, "every synced object is back with its id", func() error {
			after := c.syncedIDsErr()
			for k, id := range before {
				if after[k] != id {
					return fmt.Errorf("%s: id %q, was %q", k, after[k], id)
				}
			}
			return nil
		})
	})

	t.Run("what vanished is not served", func(t *testing.T) {
		if _, err := locations.Get(ctx, "before-wipe", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("get of a location the wipe took: %v, want NotFound", err)
		}
		out := s.kubectl(t, framework.Admin, "get", "locations", "-A", "-o", "name")
		if strings.Contains(out, "before-wipe") {
			t.Errorf("kubectl lists a location the wipe took:\n%s", out)
		}
	})

	t.Run("a write after the wipe is readable at once", func(t *testing.T) {
		if _, err := locations.Create(ctx, wipeLocation("after-wipe"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := locations.Get(ctx, "after-wipe", metav1.GetOptions{}); err != nil {
			t.Errorf("get right after create: %v", err)
		}
	})

	t.Run("a watch from a revision never reached is refused, not hung", func(t *testing.T) {
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		start := time.Now()
		stdout, stderr, err := framework.Kubectl(wctx, s.cp.Kubeconfig(framework.Admin), "get", "--raw",
			"/apis/o2ims.oran.org/v1alpha1/locations?watch=1&resourceVersion=999999999")
		if wctx.Err() != nil {
			t.Fatalf("the watch hung for %s", time.Since(start))
		}
		// As from the upstream cacher: the watch starts, and its one event is an ERROR whose
		// Status says so (code 504, reason ResourceVersionTooLarge, retry after a second).
		if !strings.Contains(strings.ToLower(stdout+stderr), "too large resource version") {
			t.Fatalf("watch from resourceVersion 999999999: err %v, stdout %q, stderr %q; want too large resource version", err, stdout, stderr)
		}
	})
}

func wipeLocation(name string) *o2v1.Location {
	return &o2v1.Location{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: invNS},
		Spec:       o2v1.LocationSpec{GlobalLocationID: "LOC-" + name, Name: name},
	}
}
