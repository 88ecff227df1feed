package controller

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"

	v1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	o2fake "github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	o2dmslisters "github.com/netweave-io/netweave/generated/listers/o2dms/v1alpha1"
)

// TestEventsTellTheStory: each change of phase, and of a failure's reason, records one Event
// regarding the NfDeployment (what `kubectl describe` shows); a pass that changes nothing
// records nothing, so a failure retried with backoff is one Event, not one per attempt.
func TestEventsTellTheStory(t *testing.T) {
	releases := &boundReleases{applyErr: errors.New(`Deployment.apps "nf" is invalid: spec.replicas: Invalid value: -1`)}
	c, client, key := boundController(t, releases, boundWorkloads{n: 1})
	recorder := events.NewFakeRecorder(32)
	c.cfg.Events = recorder
	pass := func() {
		t.Helper()
		_, _ = c.reconcile(context.Background(), key)
		refresh(t, c, client)
	}
	pass()
	pass() // the same failure again
	releases.applyErr = nil
	pass()
	want := []string{
		"Normal Pending accepted; preparing the release",
		"Normal Installing installing chart nf 1.0.0 as release nf",
		`Warning InstallFailed Deployment.apps "nf" is invalid: spec.replicas: Invalid value: -1`,
		"Normal Deployed release nf revision 1 (chart 1.0.0) deployed; 1/1 workload objects ready",
	}
	if got := drain(recorder); !reflect.DeepEqual(got, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Deleted: the uninstall is told too.
	d := boundStored(t, client)
	now := metav1.Now()
	d.DeletionTimestamp = &now
	if err := c.remove(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	got := drain(recorder)
	if len(got) != 2 || !strings.HasPrefix(got[0], "Normal Deleting ") || got[1] != "Normal Uninstalled release nf uninstalled; finalizer removed" {
		t.Errorf("events of the deletion: %q", got)
	}
}

func TestEventNoteBounded(t *testing.T) {
	long := strings.Repeat("é", noteLimit)
	if got := eventNote(long); len(got) > noteLimit || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "éé") {
		t.Errorf("note of %d bytes: %d bytes", len(long), len(got))
	}
	if got := eventReason(v1alpha1.NfDeploymentRollingBack); got != "RollingBack" {
		t.Errorf("reason of ROLLING_BACK: %q", got)
	}
}

// refresh puts the stored NfDeployment in the controller's lister, as its informer would.
func refresh(t *testing.T, c *Controller, client *o2fake.Clientset) {
	t.Helper()
	i := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if err := i.Add(boundStored(t, client)); err != nil {
		t.Fatal(err)
	}
	c.deployments = o2dmslisters.NewNfDeploymentLister(i)
}

func drain(r *events.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-r.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}
