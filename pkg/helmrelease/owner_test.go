package helmrelease

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	kubefake "helm.sh/helm/v4/pkg/kube/fake"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"
)

// memoryTarget is a Helm configuration whose releases live in memory and whose cluster refuses
// every update (a rollback that fails as it applies its objects).
func memoryTarget(t *testing.T) *action.Configuration {
	t.Helper()
	return &action.Configuration{
		Releases: storage.Init(driver.NewMemory()),
		KubeClient: &kubefake.FailingKubeClient{
			PrintingKubeClient: kubefake.PrintingKubeClient{Out: io.Discard},
			UpdateError:        errors.New("admission webhook refused the object"),
		},
		Capabilities: common.DefaultCapabilities,
	}
}

func storedRevision(t *testing.T, cfg *action.Configuration, version int, status rcommon.Status, labels map[string]string) {
	t.Helper()
	r := &release.Release{
		Name: "owned", Namespace: "tenant-a-nfs", Version: version, Labels: labels,
		Chart:    &chart.Chart{Metadata: &chart.Metadata{Name: "cm", Version: "0.1.0", APIVersion: chart.APIVersionV2}},
		Info:     &release.Info{Status: status, LastDeployed: time.Now().Add(-time.Hour)},
		Manifest: "",
	}
	if err := cfg.Releases.Create(r); err != nil {
		t.Fatalf("store revision %d: %v", version, err)
	}
}

// TestRegressionFailedRollbackLetsAnotherNamespaceTakeTheRelease (found by review): Helm
// records a rollback's revision with the labels of the revision it goes back to, also when the
// rollback fails. A tenant's rollback to a revision from before owners were recorded that
// failed (the target refused an object, or it timed out waiting) left a failed last revision
// without an owner; the engine judged the owner by the last revision only, so the operator's
// NfDeployment of the same name then upgraded, or deleted, the tenant's release. The owner is
// now that of the newest revision that recorded one, and a failed rollback records it too.
func TestRegressionFailedRollbackLetsAnotherNamespaceTakeTheRelease(t *testing.T) {
	ctx := context.Background()
	cfg := memoryTarget(t)
	// Revision 1 by an older netweave (no owner), revision 2 the tenant's (adopted).
	storedRevision(t, cfg, 1, rcommon.StatusSuperseded, nil)
	storedRevision(t, cfg, 2, rcommon.StatusDeployed, map[string]string{OwnerLabel: "tenant-a"})
	e := NewEngine(Config{Timeout: time.Minute})
	tenant := Target{Namespace: "tenant-a-nfs", Owner: "tenant-a"}
	operator := Target{Namespace: "tenant-a-nfs", Owner: "o2ims-system"}

	if _, err := e.rollbackWith(ctx, cfg, tenant, "owned", 1); err == nil {
		t.Fatal("the rollback the target refused succeeded")
	}
	last, err := cfg.Releases.Last("owned")
	if err != nil {
		t.Fatalf("last revision: %v", err)
	}
	r := last.(*release.Release)
	if r.Version != 3 || r.Info.Status != rcommon.StatusFailed {
		t.Fatalf("after the failed rollback: revision %d %s, want 3 failed", r.Version, r.Info.Status)
	}
	if r.Labels[OwnerLabel] != "tenant-a" {
		t.Errorf("the failed rollback's revision records owner %q, want tenant-a", r.Labels[OwnerLabel])
	}
	if err := checkOwner(cfg, operator, "owned"); !errors.Is(err, ErrOwnedElsewhere) {
		t.Errorf("the operator's NfDeployment after the tenant's failed rollback: %v, want ErrOwnedElsewhere", err)
	}
	if err := checkOwner(cfg, tenant, "owned"); err != nil {
		t.Errorf("the tenant after its failed rollback: %v", err)
	}
}

// TestOwnerIsTheNewestRecorded: a last revision without an owner (a rollback Helm recorded
// before the engine could stamp it, or one left pending and marked failed) does not make an
// owned release anyone's, while a release no revision of which recorded an owner is still
// adopted by the first that applies it.
func TestOwnerIsTheNewestRecorded(t *testing.T) {
	cfg := memoryTarget(t)
	storedRevision(t, cfg, 1, rcommon.StatusSuperseded, nil)
	if err := checkOwner(cfg, Target{Owner: "o2ims-system"}, "owned"); err != nil {
		t.Errorf("a release without any owner: %v, want it adopted", err)
	}
	storedRevision(t, cfg, 2, rcommon.StatusSuperseded, map[string]string{OwnerLabel: "tenant-a"})
	storedRevision(t, cfg, 3, rcommon.StatusFailed, nil)
	if got, err := ownerOf(cfg, "owned"); err != nil || got != "tenant-a" {
		t.Errorf("owner: %q, %v; want tenant-a", got, err)
	}
	if err := checkOwner(cfg, Target{Owner: "o2ims-system"}, "owned"); !errors.Is(err, ErrOwnedElsewhere) {
		t.Errorf("another owner: %v, want ErrOwnedElsewhere", err)
	}
}
