package controller

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	o2dmslisters "github.com/netweave-io/netweave/generated/listers/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// runningRelease: the target runs revision 2 of release nf; a rollback is not expected.
type runningRelease struct{ boundReleases }

func (r *runningRelease) Get(_ context.Context, _ helmrelease.Target, name string) (*helmrelease.Release, error) {
	return &helmrelease.Release{Name: name, Revision: 2, Status: "deployed", ChartVersion: "1.0.0"}, nil
}

// TestRegressionStaleCopyBeforeRollbackWaitsForTheResync (found by review): a rollback is
// decided on the stored NfDeployment only, and an informer copy older than it (errStale) was
// answered "its update event brings the key back", the resync (a minute by default) as the
// fallback, with the key's backoff forgotten. But the copy is stale because of the
// controller's own last status write (the FAILED of a rollback that failed, retried after a
// second), and changed() drops the events of status-only writes on purpose: the retry of the
// rollback waited the whole resync. A stale copy is now retried with the key's backoff.
func TestRegressionStaleCopyBeforeRollbackWaitsForTheResync(t *testing.T) {
	ctx := context.Background()
	c, client, key := boundController(t, &runningRelease{}, boundWorkloads{})
	stored := boundStored(t, client)
	stored.Spec.DesiredRevision = rev(1)
	stored.Status.Phase, stored.Status.ReleaseRevision = v1alpha1.NfDeploymentFailed, 2
	stored, err := client.O2dmsV1alpha1().NfDeployments("tenant-a").Update(ctx, stored, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The informer has not yet seen the controller's last status write.
	stale := stored.DeepCopy()
	stale.ResourceVersion, stale.Status.Phase = "0", v1alpha1.NfDeploymentRollingBack
	i := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if err := i.Add(stale); err != nil {
		t.Fatal(err)
	}
	c.deployments = o2dmslisters.NewNfDeploymentLister(i)
	q := c.newQueue()
	defer q.ShutDown()
	c.queue = q
	q.Add(key)

	if !c.processNext(ctx) {
		t.Fatal("queue shut down")
	}
	if n := q.NumRequeues(key); n != 1 {
		t.Errorf("a stale informer copy before a rollback: %d rate-limited requeues, want 1 (retried with backoff, not after the %s resync)", n, c.cfg.Resync)
	}
	if got := boundStored(t, client); got.Status.Phase != v1alpha1.NfDeploymentFailed || got.ResourceVersion != stored.ResourceVersion {
		t.Errorf("the stale copy was acted on: stored phase %s, resourceVersion %s (was %s)", got.Status.Phase, got.ResourceVersion, stored.ResourceVersion)
	}
}
