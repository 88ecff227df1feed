package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	compbasemetrics "k8s.io/component-base/metrics"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionRelatedIDsStrippedKeepsQueueBytes: a queued LocationInfo notification whose
// oCloudSiteIds were taken out before its POST (the owner may no longer list sites) was
// acknowledged with the length of the body sent, not the one queued: the queue's byte count
// kept the difference for good, the byte bound then evicted (dropped, counted) notifications
// of a queue far below --notifier-queue-bytes.
func TestRegressionRelatedIDsStrippedKeepsQueueBytes(t *testing.T) {
	ctx := context.Background()
	rs := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer rc.Close()
	store := NewStore(rc, "t")

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	m, err := newMetrics(compbasemetrics.NewKubeRegistry())
	if err != nil {
		t.Fatal(err)
	}
	authz := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.GetNamespace() == "tenant-a" && a.GetVerb() == "get" {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
	w, sub, _ := relatedWorker(t, authz, store, m, srv.URL)

	loc := &v1alpha1.Location{}
	loc.Namespace, loc.Name = "tenant-a", "l"
	loc.Spec.GlobalLocationID = "loc-1"
	ev := &Event{Type: Create, Kind: model.KindLocationInfo, Namespace: "tenant-a", Name: "l", UID: "u", ResourceVersion: "5", Post: loc}
	body, id, ok, err := BuildBody(sub, access{related: true}, ev, sitesRelated{"site-secret-1", "site-secret-2"})
	if err != nil || !ok {
		t.Fatalf("BuildBody: %v %v", ok, err)
	}
	other := []byte(`{"notificationId":"other"}`)
	q, err := store.Commit(ctx, Change{Kind: "x", Items: []Item{
		{SubscriptionUID: sub.UID, NotificationID: id, Body: body, Observed: time.Now(), Kind: string(model.KindLocationInfo), Namespace: "tenant-a"},
		{SubscriptionUID: sub.UID, NotificationID: "other", Body: other, Observed: time.Now()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := store.Head(ctx, sub.UID, "", 1)
	if err != nil || len(entries) != 1 || entries[0].StreamID != q[0].StreamID {
		t.Fatalf("head: %v %v", entries, err)
	}
	if !w.deliver(ctx, entries[0]) {
		t.Fatal("deliver stopped")
	}
	if err := store.Ack(ctx, w.cfg.acks.pending); err != nil {
		t.Fatal(err)
	}
	got, err := store.QueueBytes(ctx, sub.UID)
	if err != nil {
		t.Fatal(err)
	}
	if got != int64(len(other)) {
		t.Errorf("queue byte count %d after the delivery, want %d (the one entry left): %d bytes drifted", got, len(other), got-int64(len(other)))
	}
}
