package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
)

// TestStoreWipedWhileRunning is issue 10's reproduction: Redis loses its data (FLUSHALL, what a
// restart without persistence or a failover to a lagging replica looks like) under a running
// netweave, which must neither serve what vanished nor fail forever: watches end with 410 so
// clients relist, the inventory sync re-creates what the cluster still has with the same ids,
// a write after the wipe is readable at once, and a watch from a revision the store never
// reached answers "too large resource version" instead of hanging, and the alarm of a node
// still NotReady is raised again at once, with its id.
func TestStoreWipedWhileRunning(t *testing.T) {
	t.Parallel()
	s := startStack(t, invArgs("replica-a")...)
	cfg := s.cp.RESTConfig(localstack.Admin)
	c := invClients{kube: kubernetes.NewForConfigOrDie(cfg), o2: versioned.NewForConfigOrDie(cfg)}
	ctx := context.Background()
	c.createNode(t, "wipe-n1", "zone-a", "small", true)
	c.waitResource(t, invNS, "wipe-n1", nil)
	c.waitPoolCount(t, invNS, "zone-a", 1)
	before := c.syncedIDsErr()
	if before["resource/wipe-n1"] == "" || before["pool/o2ims-system/zone-a"] == "" {
		t.Fatalf("synced before the wipe: %v", before)
	}
	setReady(t, c.kube, "wipe-n1", corev1.ConditionFalse, "KubeletNotReady")
	res := c.resource(t, invNS, "wipe-n1")
	raised := waitAlarm(t, c.o2, res.Spec.ResourceID, nil)
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

	// TestRegression: the alarm of a node still NotReady came back only at the node source's
	// next periodic restatement, ten minutes after the wipe.
	t.Run("the alarm of a fault still present is back with its id", func(t *testing.T) {
		again := waitAlarm(t, c.o2, res.Spec.ResourceID, func(a *o2v1.AlarmEventRecord) error {
			if a.Status.PerceivedSeverity != o2v1.PerceivedSeverityCritical {
				return fmt.Errorf("severity %d", a.Status.PerceivedSeverity)
			}
			return nil
		})
		if again.Spec.AlarmEventRecordID != raised.Spec.AlarmEventRecordID {
			t.Errorf("after the wipe the alarm is %s, was %s", again.Spec.AlarmEventRecordID, raised.Spec.AlarmEventRecordID)
		}
	})

	t.Run("what vanished is not served", func(t *testing.T) {
		if _, err := locations.Get(ctx, "before-wipe", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("get of a location the wipe took: %v, want NotFound", err)
		}
		out := s.kubectl(t, localstack.Admin, "get", "locations", "-A", "-o", "name")
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
		stdout, stderr, err := localstack.Kubectl(wctx, s.cp.Kubeconfig(localstack.Admin), "get", "--raw",
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

// TestNotifierAfterStoreWipe is issue 10's notifier part: after the wipe the notifier used to
// be silent (its cursors went with the store, and it watched from a revision the new store had
// not reached). Now it re-baselines, reports the subscription the wipe took instead of
// re-creating it, tells that subscription, once its owner creates it again, of the hand-made
// pool the wipe took (and not of the synced resource it re-created), and a subscription made
// after the wipe hears of node changes.
//
// Every kind's recorded states are kept packed (--notifier-pack-states-from=1, by default only
// kinds with thousands of objects are), so the re-baseline compares with packed states.
func TestNotifierAfterStoreWipe(t *testing.T) {
	t.Parallel()
	s := startStack(t, slices.Concat(invArgs("replica-a"), notifierArgs, []string{"--notifier-pack-states-from=1"})...)
	cfg := s.cp.RESTConfig(localstack.Admin)
	c := invClients{kube: kubernetes.NewForConfigOrDie(cfg), o2: versioned.NewForConfigOrDie(cfg)}
	ctx := context.Background()
	before := newReceiver(t)
	s.subscribe(t, invNS, "smo-before", before, "")
	c.createNode(t, "wipe-n1", "zone-a", "small", true)
	c.waitResource(t, invNS, "wipe-n1", nil)
	// Made by hand: nobody re-creates it after the wipe.
	if _, err := c.o2.O2imsV1alpha1().ResourcePools(invNS).Create(ctx, &o2v1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Name: "hand-pool", Namespace: invNS}, Spec: o2v1.ResourcePoolSpec{Name: "hand-pool"}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	synced := c.resource(t, invNS, "wipe-n1").Spec.ResourceID
	// Revisions well above what the sync re-creates after the wipe: a notifier that watches
	// from its old cursor hears nothing for as long as the new store stays below it.
	for range 200 {
		flush(t, s, before, invNS)
	}
	metrics := s.metricsReader(t)
	lost := func() float64 {
		return metrics.value(t, "netweave_notifier_subscriptions_lost_total", `kind="InventorySubscription"`)
	}
	if n := lost(); n != 0 {
		t.Fatalf("%v subscriptions lost before the wipe", n)
	}

	rdb := goredis.NewClient(&goredis.Options{Addr: s.redis.Addr()})
	defer rdb.Close()
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	t.Run("the subscription the wipe took is reported, not re-created", func(t *testing.T) {
		eventually(t, 2*syncWait, "one InventorySubscription counted lost", func() error {
			if n := lost(); n != 1 {
				return fmt.Errorf("netweave_notifier_subscriptions_lost_total %v, want 1", n)
			}
			return nil
		})
		_, err := c.o2.O2imsV1alpha1().InventorySubscriptions(invNS).Get(ctx, "smo-before", metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			t.Errorf("get of the lost subscription: %v, want NotFound", err)
		}
	})

	t.Run("created again by its owner, it hears what changed since", func(t *testing.T) {
		again := newReceiver(t)
		s.subscribe(t, invNS, "smo-before", again, "")
		eventually(t, 2*syncWait, "the DELETE of the hand-made pool", func() error {
			if n := len(deletesOf(again, "hand-pool")); n != 1 {
				return fmt.Errorf("%d DELETEs of hand-pool", n)
			}
			return nil
		})
		flush(t, s, again, invNS)
		if n := len(deletesOf(again, "hand-pool")); n != 1 {
			t.Errorf("%d DELETEs of the hand-made pool, want 1", n)
		}
		for _, n := range again.all() {
			if resourceIDOf(n.body) == synced && eventType(n) == 2 {
				t.Errorf("DELETE of a resource the sync re-created: %s", n.raw)
			}
		}
	})

	t.Run("a subscription made after the wipe hears of node changes", func(t *testing.T) {
		after := newReceiver(t)
		s.subscribe(t, invNS, "smo-after", after, "")
		c.createNode(t, "wipe-n2", "zone-a", "small", true)
		c.waitResource(t, invNS, "wipe-n2", nil)
		id := c.resource(t, invNS, "wipe-n2").Spec.ResourceID
		eventually(t, 2*syncWait, "the CREATE of the new node's resource", func() error {
			for _, n := range after.all() {
				if resourceIDOf(n.body) == id && eventType(n) == 0 {
					return nil
				}
			}
			return fmt.Errorf("not yet: %d notifications", len(after.all()))
		})
		// Deliveries are in order: once the probe is in, everything queued before it is.
		flush(t, s, after, invNS)
		seen := map[string]int{}
		for _, n := range after.all() {
			seen[n.id]++
		}
		for nid, k := range seen {
			if k > 1 {
				t.Errorf("notification %s delivered %d times in a calm run", nid, k)
			}
		}
		for _, n := range before.all() {
			if resourceIDOf(n.body) == id {
				t.Errorf("the lost subscription still receives notifications: %s", n.raw)
			}
		}
	})
}

// resourceIDOf is the resourceId of a notification's object state ("" for other kinds).
func resourceIDOf(body map[string]any) string {
	for _, k := range []string{"postObjectState", "priorObjectState"} {
		if s, ok := body[k].(map[string]any); ok {
			id, _ := s["resourceId"].(string)
			return id
		}
	}
	return ""
}

// deletesOf are the DELETE notifications r received about the object named name.
func deletesOf(r *receiver, name string) []received {
	var out []received
	for _, n := range r.about(name) {
		if eventType(n) == 2 {
			out = append(out, n)
		}
	}
	return out
}
