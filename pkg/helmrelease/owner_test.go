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
	ri "helm.sh/helm/v4/pkg/release"
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
	if err := checkOwner(cfg, operator, "owned", TakeUnowned); !errors.Is(err, ErrOwnedElsewhere) {
		t.Errorf("the operator's NfDeployment after the tenant's failed rollback: %v, want ErrOwnedElsewhere", err)
	}
	if err := checkOwner(cfg, tenant, "owned", TakeUnowned); err != nil {
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
	if err := checkOwner(cfg, Target{Owner: "o2ims-system"}, "owned", TakeUnowned); err != nil {
		t.Errorf("a release without any owner: %v, want it adopted", err)
	}
	storedRevision(t, cfg, 2, rcommon.StatusSuperseded, map[string]string{OwnerLabel: "tenant-a"})
	storedRevision(t, cfg, 3, rcommon.StatusFailed, nil)
	if got, _, err := ownerOf(cfg, "owned"); err != nil || got != "tenant-a" {
		t.Errorf("owner: %q, %v; want tenant-a", got, err)
	}
	if err := checkOwner(cfg, Target{Owner: "o2ims-system"}, "owned", TakeUnowned); !errors.Is(err, ErrOwnedElsewhere) {
		t.Errorf("another owner: %v, want ErrOwnedElsewhere", err)
	}
}

// racingInstall is a release store in which another owner's install of the same release wins
// the race: right before this store records the first revision of a release (an install that
// found no release when it looked), the other owner's deployed revision 1 is recorded.
type racingInstall struct {
	*driver.Memory
	other string
}

func (d *racingInstall) Create(key string, rls ri.Releaser) error {
	if r, ok := rls.(*release.Release); ok && r.Version == 1 && d.other != "" {
		winner := *r
		winner.Labels = map[string]string{OwnerLabel: d.other}
		winner.Info = &release.Info{Status: rcommon.StatusDeployed, LastDeployed: time.Now()}
		d.other = ""
		if err := d.Memory.Create(key, &winner); err != nil {
			return err
		}
	}
	return d.Memory.Create(key, rls)
}

// TestRegressionFailedInstallUninstallsAnotherOwnersRelease (found by review): two
// NfDeployments of one name in two namespaces, targeting one namespace, reconciled at once:
// both found no release, both installed; Helm refused the second ("cannot reuse a name that
// is still in use", or the record already exists), and the engine, undoing what it took for
// its own failed install, uninstalled the release the first had just installed. Only a
// revision the failed install recorded, of its own owner, is undone now, and the failure says
// the release belongs to another owner.
func TestRegressionFailedInstallUninstallsAnotherOwnersRelease(t *testing.T) {
	ctx := context.Background()
	cfg := memoryTarget(t)
	cfg.Releases = storage.Init(&racingInstall{Memory: driver.NewMemory(), other: "o2ims-system"})
	e := NewEngine(Config{Timeout: time.Minute})
	ch := &chart.Chart{Metadata: &chart.Metadata{Name: "cm", Version: "0.1.0", APIVersion: chart.APIVersionV2}}

	_, err := e.applyWith(ctx, cfg, Target{Namespace: "tenant-a-nfs", Owner: "tenant-a"}, "owned", ch, nil, "id")
	if !errors.Is(err, ErrOwnedElsewhere) {
		t.Errorf("install that lost the race: %v, want ErrOwnedElsewhere", err)
	}
	last, err := cfg.Releases.Last("owned")
	if err != nil {
		t.Fatalf("the winner's release after the loser's failed install: %v", err)
	}
	r := last.(*release.Release)
	if r.Version != 1 || r.Info.Status != rcommon.StatusDeployed || r.Labels[OwnerLabel] != "o2ims-system" {
		t.Errorf("the winner's release: revision %d %s owner %q; want 1 deployed o2ims-system", r.Version, r.Info.Status, r.Labels[OwnerLabel])
	}
}

// TestRegressionUninstallLeavesAnUnownedReleaseItNeverDeployed (found by review): a release
// that records no owner (installed by helm itself, or by a netweave from before owners were
// recorded) was taken as the caller's by Uninstall too, so deleting an NfDeployment that never
// got to deploy (its chart unavailable, its values refused) uninstalled whatever release had its
// name in its target namespace. With LeaveUnowned such a release stays (ErrNotOwned); with
// TakeUnowned (the NfDeployment's status records that it deployed it) it is uninstalled.
func TestRegressionUninstallLeavesAnUnownedReleaseItNeverDeployed(t *testing.T) {
	cfg := memoryTarget(t)
	storedRevision(t, cfg, 1, rcommon.StatusDeployed, nil)
	e := NewEngine(Config{Timeout: time.Minute})
	tenant := Target{Namespace: "tenant-a-nfs", Owner: "tenant-a"}

	if err := e.uninstallWith(cfg, tenant, "owned", LeaveUnowned); !errors.Is(err, ErrNotOwned) {
		t.Errorf("uninstall of an unowned release the caller never deployed: %v, want ErrNotOwned", err)
	}
	if last, err := cfg.Releases.Last("owned"); err != nil || last.(*release.Release).Info.Status != rcommon.StatusDeployed {
		t.Fatalf("the unowned release after the refused uninstall: %v, %v; want it deployed", last, err)
	}
	if err := e.uninstallWith(cfg, tenant, "absent", LeaveUnowned); err != nil {
		t.Errorf("uninstall of no release: %v, want none", err)
	}

	if err := e.uninstallWith(cfg, tenant, "owned", TakeUnowned); err != nil {
		t.Fatalf("uninstall of the unowned release its deployer asked for: %v", err)
	}
	if _, err := cfg.Releases.Deployed("owned"); err == nil {
		t.Error("the release is still deployed after its deployer's uninstall")
	}
}

// TestRecordOwner: a release no revision of which recorded an owner is recorded as the
// caller's, once; one recorded as another's is refused and left as it is.
func TestRecordOwner(t *testing.T) {
	cfg := memoryTarget(t)
	tenant := Target{Namespace: "tenant-a-nfs", Owner: "tenant-a"}
	if err := recordOwner(cfg, tenant, "owned"); !errors.Is(err, ErrNotFound) {
		t.Errorf("no release: %v, want ErrNotFound", err)
	}
	storedRevision(t, cfg, 1, rcommon.StatusSuperseded, nil)
	storedRevision(t, cfg, 2, rcommon.StatusDeployed, nil)
	if err := recordOwner(cfg, tenant, "owned"); err != nil {
		t.Fatalf("record: %v", err)
	}
	if got, _, err := ownerOf(cfg, "owned"); err != nil || got != "tenant-a" {
		t.Errorf("owner after recording: %q, %v; want tenant-a", got, err)
	}
	if err := recordOwner(cfg, tenant, "owned"); err != nil {
		t.Errorf("recording again: %v", err)
	}
	operator := Target{Namespace: "tenant-a-nfs", Owner: "o2ims-system"}
	if err := recordOwner(cfg, operator, "owned"); !errors.Is(err, ErrOwnedElsewhere) {
		t.Errorf("another owner: %v, want ErrOwnedElsewhere", err)
	}
	if got, _, _ := ownerOf(cfg, "owned"); got != "tenant-a" {
		t.Errorf("owner after another's attempt: %q, want tenant-a", got)
	}
}

// TestUpgradeWithoutChartIDRecordsNone: Helm merges an upgrade's labels into the previous
// revision's, so an upgrade made without a chart identity recorded the previous revision's
// chart as its own; it records none.
func TestUpgradeWithoutChartIDRecordsNone(t *testing.T) {
	cfg := memoryTarget(t)
	cfg.KubeClient = &kubefake.PrintingKubeClient{Out: io.Discard}
	storedRevision(t, cfg, 1, rcommon.StatusDeployed, map[string]string{ChartIDLabel: "previous-chart", OwnerLabel: "tenant-a"})
	e := NewEngine(Config{Timeout: time.Minute})
	ch := &chart.Chart{Metadata: &chart.Metadata{Name: "cm", Version: "0.2.0", APIVersion: chart.APIVersionV2}}
	rel, err := e.applyWith(context.Background(), cfg, Target{Namespace: "tenant-a-nfs", Owner: "tenant-a"}, "owned", ch, nil, "")
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if rel.Revision != 2 || rel.ChartID != "" || rel.Owner != "tenant-a" {
		t.Errorf("upgraded without a chart identity: revision %d chart id %q owner %q; want 2, none, tenant-a", rel.Revision, rel.ChartID, rel.Owner)
	}
}
