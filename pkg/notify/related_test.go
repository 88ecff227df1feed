package notify

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// TestRegressionSiteNotificationNamesOnlyPoolsTheOwnerMayList: an OCloudSiteInfo notification
// listed, in resourcePools, every pool of the site, whatever its owner may read: an SMO allowed
// to read sites but not pools learnt every pool's id (the O2 face lists only those the caller
// may list). Now the ids are there only for an owner who may list pools there.
func TestRegressionSiteNotificationNamesOnlyPoolsTheOwnerMayList(t *testing.T) {
	ctx := context.Background()
	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	// smo may get and list oCloudSites in tenant-a, nothing about resource pools until
	// poolReader is set.
	var poolReader atomic.Bool
	authz := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.GetUser().GetName() == "smo" && a.GetNamespace() == "tenant-a" && a.GetResource() == "ocloudsites" {
			return authorizer.DecisionAllow, "", nil
		}
		if a.GetUser().GetName() == "smo" && poolReader.Load() && a.GetResource() == "resourcepools" && a.GetVerb() == "list" {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
	var bodies []string
	n := &Notifier{
		cfg:      Config{Retry: Backoff{Base: time.Millisecond, Max: time.Millisecond}},
		delivery: &deliveryConfig{metrics: m, changed: func(string, bool) {}, depth: new(atomic.Int64)},
		vis:      newVisibility(authz, nil),
		hist:     newHistory(historySize, historyBytes, historyAge),
	}
	n.commit = func(_ context.Context, c Change) ([]Queued, error) {
		out := make([]Queued, len(c.Items))
		for i, it := range c.Items {
			bodies = append(bodies, string(it.Body))
			out[i].StreamID = "1-" + string(rune('0'+i))
		}
		return out, nil
	}
	subs := &subscriptions{workers: map[string]*worker{}, delivery: n.delivery}
	n.subs[inventoryFamily] = subs
	pools := newWatcher(kindSource{kind: model.KindResourcePool}, nil, &recordingEmitter{}, Backoff{})
	n.watchers = map[model.Kind]*watcher{model.KindResourcePool: pools}
	hidden := &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "hidden", UID: "uid-hidden", ResourceVersion: "5"},
		Spec:       v1alpha1.ResourcePoolSpec{ResourcePoolID: "11111111-2222-3333-4444-555555555555", OCloudSiteID: "aaaaaaaa-0000-0000-0000-000000000001"},
	}
	if err := pools.changed(ctx, hidden, true); err != nil {
		t.Fatal(err)
	}

	sub := compiled(t, "tenant-a", &v1alpha1.SubscriberInfo{Username: "smo"}, map[string]string{v1alpha1.AnnotationNotificationVersion: "2"})
	w := newWorker(n.delivery, sub, v1alpha1.InventorySubscriptionStatus{})
	subs.insert(sub.Key(), w)

	site := &v1alpha1.OCloudSite{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "site", UID: "uid-site", ResourceVersion: "6"},
		Spec:       v1alpha1.OCloudSiteSpec{OCloudSiteID: "aaaaaaaa-0000-0000-0000-000000000001", GlobalLocationID: "loc", Name: "site"},
	}
	ev := &Event{Type: Create, Kind: model.KindOCloudSiteInfo, Namespace: "tenant-a", Name: "site", UID: "uid-site",
		ResourceVersion: "6", Post: site, Observed: time.Now()}
	if err := n.emit(ctx, ev, []byte("{}"), ""); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 {
		t.Fatalf("%d notifications queued, want 1 (the owner may get sites)", len(bodies))
	}
	if strings.Contains(bodies[0], hidden.Spec.ResourcePoolID) {
		t.Errorf("the site notification names the resourcePoolId of a pool its owner may not list: %s", bodies[0])
	}

	// Once the owner may list pools (after the cached decision's time), the id is there.
	poolReader.Store(true)
	n.vis.forget(sub.UID)
	ev2 := *ev
	renamed := site.DeepCopy()
	renamed.Spec.Name = "site-2"
	ev2.Type, ev2.ResourceVersion, ev2.Prior, ev2.Post = Modify, "7", site, renamed
	if err := n.emit(ctx, &ev2, []byte("{}"), ""); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 || !strings.Contains(bodies[1], hidden.Spec.ResourcePoolID) {
		t.Errorf("the owner may list pools, but the site notification does not name them: %q", bodies[1:])
	}
}
