package o2rest

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

const racePurgeBody = `{"purgeConditions":{"endWindowTime":"2042-07-21T20:32:28Z"}}`

// TestRegressionPurgeRetryOnOtherReplicaStartsSecondPurge: an SMO whose purge POST timed out
// sends it again, and the retry reaches a replica whose informers do not hold the first
// purge yet. Only those informers were asked whether a purge of the namespace was in
// progress, so the retry started a second purge task (202) instead of the 409 the API
// promises while one runs. The store's current state (Config.FreshList) is asked too now.
func TestRegressionPurgeRetryOnOtherReplicaStartsSecondPurge(t *testing.T) {
	// The purge the first POST created, as the store holds it; this replica's informers
	// have not seen it.
	first := &o2v1.AlarmPurge{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "purge-first"},
		Spec: o2v1.AlarmPurgeSpec{TaskID: "9e0f2d4c-0000-4000-8000-000000000001"}}
	e := newMonitoringEnvWith(t, func(c *Config) {
		c.FreshList = func(_ context.Context, resource string) ([]runtime.Object, error) {
			if resource != "alarmpurges" {
				return nil, nil
			}
			return []runtime.Object{first}, nil
		}
	})
	purge := "/tenants/tenant-a" + monitoring + "/v2/alarms/purge"
	e.expect(e.do("POST", "alice-token", purge, racePurgeBody), 409, "retried purge while the first runs (on another replica)")
	if l, _ := e.client.O2imsV1alpha1().AlarmPurges("tenant-a").List(context.Background(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Errorf("a second purge was stored: %+v", l.Items)
	}
	// Another namespace's purge is not this one's.
	e.expect(e.do("POST", "admin-token", "/tenants/tenant-b"+monitoring+"/v2/alarms/purge", racePurgeBody), 202, "purge of another namespace")
}

// TestRegressionConcurrentPurgesBothStarted: two purge POSTs of one namespace at once (two
// SMOs, or a retry racing the original) both found no purge in progress and both created
// one; the check and the create are now made one POST after the other per namespace.
func TestRegressionConcurrentPurgesBothStarted(t *testing.T) {
	e := newMonitoringEnv(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	creates := 0
	// Holds the first create until released, so the second POST runs while the first is
	// between its check and its create's arrival in the cache.
	e.client.PrependReactor("create", "alarmpurges", func(k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		creates++
		n := creates
		mu.Unlock()
		if n == 1 {
			close(entered)
			<-release
		}
		return false, nil, nil
	})
	purge := "/tenants/tenant-a" + monitoring + "/v2/alarms/purge"
	post := func(ctx context.Context) (int, error) { return e.postJSON(ctx, "alice-token", purge, racePurgeBody) }
	firstDone := make(chan int)
	go func() {
		status, _ := post(context.Background())
		firstDone <- status
	}()
	select {
	case <-entered:
	case status := <-firstDone:
		t.Fatalf("first purge POST answered %d without creating", status)
	}
	// The second POST may not get past the first, which holds until released: a bound is
	// the only way to see that it waits. A second POST that is not held answers at once.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	status, err := post(ctx)
	cancel()
	close(release)
	if first := <-firstDone; first != http.StatusAccepted {
		t.Errorf("first purge: %d, want 202", first)
	}
	if err == nil && status == http.StatusAccepted {
		t.Errorf("second purge POST while the first was being created: 202, want it held (then 409)")
	}
	if l, _ := e.client.O2imsV1alpha1().AlarmPurges("tenant-a").List(context.Background(), metav1.ListOptions{}); len(l.Items) != 1 {
		t.Errorf("%d purges stored, want 1", len(l.Items))
	}
	e.expect(e.do("POST", "alice-token", purge, racePurgeBody), 409, "purge after the first was created")
}
