package helmrelease

import (
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	ri "helm.sh/helm/v4/pkg/release"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"
)

// flakyQueries is a release store behind a load balancer that answers some of the target's
// list requests itself: every query after the first ok ones fails as client-go reports a 503
// page that is not the Kubernetes API's.
type flakyQueries struct {
	*driver.Memory
	ok int
}

func (d *flakyQueries) Query(labels map[string]string) ([]ri.Releaser, error) {
	if d.ok <= 0 {
		return nil, apierrors.NewGenericServerResponse(503, "get", schema.GroupResource{Resource: "secrets"}, "", "<html>503 Service Unavailable</html>", 0, true)
	}
	d.ok--
	return d.Memory.Query(labels)
}

// TestRegressionUninstallOfAnUnreadableReleaseSucceeds (found by review): Helm's uninstall
// with IgnoreNotFound answers success for any failure to read the release's history, not only
// for a release that is not there. When the target's list of release records failed (a 503 of
// a load balancer in front of the member's API server) after the owner check had read it,
// Uninstall reported the release uninstalled: the controller removed the NfDeployment's
// finalizer and the release's workloads stayed in the target, for good. Only a release that is
// really not there is an uninstall that succeeded now.
func TestRegressionUninstallOfAnUnreadableReleaseSucceeds(t *testing.T) {
	cfg := memoryTarget(t)
	storedRevision(t, cfg, 1, rcommon.StatusDeployed, map[string]string{OwnerLabel: "tenant-a"})
	mem := cfg.Releases.Driver.(*driver.Memory)
	// The owner check's read succeeds, the uninstall's own read fails.
	cfg.Releases = storage.Init(&flakyQueries{Memory: mem, ok: 1})
	e := NewEngine(Config{Timeout: time.Minute})
	tenant := Target{Namespace: "tenant-a-nfs", Owner: "tenant-a"}

	if err := e.uninstallWith(cfg, tenant, "owned", TakeUnowned); err == nil {
		t.Error("uninstall whose read of the release failed with a 503 succeeded")
	}
	last, err := mem.Query(map[string]string{"name": "owned", "owner": "helm"})
	if err != nil || len(last) != 1 || last[0].(*release.Release).Info.Status != rcommon.StatusDeployed {
		t.Fatalf("the release after the failed uninstall: %v, %v; want it still deployed", last, err)
	}

	// A release that is not there is uninstalled already.
	cfg.Releases = storage.Init(&flakyQueries{Memory: driver.NewMemory(), ok: 2})
	if err := e.uninstallWith(cfg, tenant, "absent", TakeUnowned); err != nil {
		t.Errorf("uninstall of no release: %v, want none", err)
	}
}
