package controller

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	o2dmslisters "github.com/netweave-io/netweave/generated/listers/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// ownedReleases: the target holds release "nf" owned by namespace owner, as the engine
// records it (helmrelease.OwnerLabel); like the engine, Apply, Rollback and Uninstall refuse a
// target of another owner, and what they are asked is counted.
type ownedReleases struct {
	boundReleases
	owner              string
	applied, uninstall int
	owners             []string
}

func (r *ownedReleases) refuse(t helmrelease.Target) error {
	r.owners = append(r.owners, t.Owner)
	if t.Owner != r.owner {
		return fmt.Errorf("release nf in namespace %s: %w", t.Namespace, helmrelease.ErrOwnedElsewhere)
	}
	return nil
}

func (r *ownedReleases) Get(_ context.Context, t helmrelease.Target, name string) (*helmrelease.Release, error) {
	r.owners = append(r.owners, t.Owner)
	return &helmrelease.Release{Name: name, Revision: 3, Status: "deployed", ChartVersion: "9.9.9", Owner: r.owner}, nil
}

func (r *ownedReleases) Apply(ctx context.Context, t helmrelease.Target, name string, ch *chart.Chart, values map[string]any, chartID string) (*helmrelease.Release, error) {
	if err := r.refuse(t); err != nil {
		return nil, err
	}
	r.applied++
	return r.boundReleases.Apply(ctx, t, name, ch, values, chartID)
}

func (r *ownedReleases) Uninstall(_ context.Context, t helmrelease.Target, _ string, _ helmrelease.Unowned) error {
	if err := r.refuse(t); err != nil {
		return err
	}
	r.uninstall++
	return nil
}

// TestRegressionOperatorNfDeploymentCannotTakeOverTenantRelease (found by review): the
// release of an NfDeployment is its name in the target namespace, and the operator's
// inventory namespace may target any namespace. An NfDeployment of another namespace with the
// name of one already deployed there upgraded that release with its own chart (a tenant's
// workloads replaced by the operator's, or the reverse), and deleting either uninstalled the
// other's workloads. Each revision now records its NfDeployment's namespace; the second
// NfDeployment is FAILED ReleaseNameTaken and never touches the release, not even on delete.
func TestRegressionOperatorNfDeploymentCannotTakeOverTenantRelease(t *testing.T) {
	ctx := context.Background()
	rel := &ownedReleases{owner: "o2ims-system"}
	c, client, key := boundController(t, rel, boundWorkloads{})
	if _, err := c.reconcile(ctx, key); err == nil {
		t.Fatal("reconcile of an NfDeployment whose release name is taken succeeded")
	}
	got := boundStored(t, client)
	ready := meta.FindStatusCondition(got.Status.Conditions, ConditionReady)
	if got.Status.Phase != v1alpha1.NfDeploymentFailed || ready == nil || ready.Reason != "ReleaseNameTaken" {
		t.Errorf("tenant-a/nf over o2ims-system's release: phase %s, Ready %+v; want FAILED ReleaseNameTaken", got.Status.Phase, ready)
	}
	if rel.applied != 0 {
		t.Errorf("the other namespace's release was upgraded %d times", rel.applied)
	}
	if ready != nil && (strings.Contains(ready.Message, "o2ims-system") || strings.Contains(got.Status.Message, "o2ims-system")) {
		t.Errorf("the status names the release's owner: %q", got.Status.Message)
	}

	// Deleted: the finalizer goes, the other's release stays.
	now := metav1.Now()
	got.DeletionTimestamp = &now
	if err := c.remove(ctx, got.DeepCopy()); err != nil {
		t.Fatalf("remove: %v", err)
	}
	after := boundStored(t, client)
	if slices.Contains(after.Finalizers, v1alpha1.FinalizerRelease) {
		t.Error("finalizer kept: the NfDeployment cannot be deleted")
	}
	if rel.uninstall != 0 {
		t.Errorf("deleting tenant-a/nf uninstalled o2ims-system's release (%d uninstalls)", rel.uninstall)
	}
	for _, o := range rel.owners {
		if o != "tenant-a" {
			t.Errorf("the engine was asked for owner %q, want the NfDeployment's namespace tenant-a", o)
		}
	}
}

// racedReleases: no release when the controller reads it, but another namespace's
// NfDeployment installs one of the name before this one's Apply, which the engine refuses.
type racedReleases struct{ boundReleases }

func (r *racedReleases) Apply(context.Context, helmrelease.Target, string, *chart.Chart, map[string]any, string) (*helmrelease.Release, error) {
	return nil, fmt.Errorf("install release nf: %w", helmrelease.ErrOwnedElsewhere)
}

// TestRegressionReleaseTakenDuringApplyIsReleaseNameTaken (found by review): when another
// namespace's NfDeployment of the same name got the release between this one's read of it and
// its install (two reconciled at once), the engine's refusal was reported as InstallFailed
// (UpgradeFailed, RollbackFailed) with the engine's error, not as the ReleaseNameTaken a read
// reports: the NfDeployment's writer was told a Helm action failed rather than to rename it.
func TestRegressionReleaseTakenDuringApplyIsReleaseNameTaken(t *testing.T) {
	c, client, key := boundController(t, &racedReleases{}, boundWorkloads{})
	if _, err := c.reconcile(context.Background(), key); err == nil {
		t.Fatal("reconcile whose install was refused succeeded")
	}
	got := boundStored(t, client)
	ready := meta.FindStatusCondition(got.Status.Conditions, ConditionReady)
	if got.Status.Phase != v1alpha1.NfDeploymentFailed || ready == nil || ready.Reason != "ReleaseNameTaken" {
		t.Errorf("install refused for another owner: phase %s, Ready %+v; want FAILED ReleaseNameTaken", got.Status.Phase, ready)
	}
}

// legacyReleases: the target runs release "nf" at revision 1 as the NfDeployment's spec says,
// made before owners were recorded (no owner); RecordOwner records one, as the engine does,
// and is counted.
type legacyReleases struct {
	installedReleases
	recorded []string
}

func (r *legacyReleases) RecordOwner(_ context.Context, t helmrelease.Target, _ string) error {
	r.recorded = append(r.recorded, t.Owner)
	r.current.Owner = t.Owner
	return nil
}

// TestRegressionLegacyReleaseOwnerRecordedWhileUpToDate (found by review): a release deployed
// by a netweave from before owners were recorded has none, and the engine records one only
// with a new revision (an upgrade, a rollback). An NfDeployment kept as it was never made one,
// so its release stayed ownerless for good, and the first NfDeployment of its name in another
// namespace (the operator's targeting a tenant's namespace) adopted it: upgraded it with its
// own chart, or uninstalled it when deleted. The NfDeployment that deployed it now records
// itself as the owner at its next reconcile, once.
func TestRegressionLegacyReleaseOwnerRecordedWhileUpToDate(t *testing.T) {
	rel := &legacyReleases{installedReleases: *newInstalledReleases()}
	nf := helmrelease.Source{RepoURL: "https://charts.example", Name: "nf", Version: "1.0.0"}
	rel.current.ChartID = nf.ID()
	c, client, key := boundController(t, rel, boundWorkloads{})
	d, err := c.deployments.NfDeployments("tenant-a").Get("nf")
	if err != nil {
		t.Fatal(err)
	}
	deployed := d.DeepCopy()
	deployed.Status.Phase, deployed.Status.ReleaseRevision = v1alpha1.NfDeploymentDeployed, 1
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	if err := idx.Add(deployed); err != nil {
		t.Fatal(err)
	}
	c.deployments = o2dmslisters.NewNfDeploymentLister(idx)

	for range 2 {
		if _, err := c.reconcile(context.Background(), key); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(rel.recorded, []string{"tenant-a"}) {
		t.Errorf("owners recorded on the ownerless release: %v, want [tenant-a] once", rel.recorded)
	}
	if rel.applied != 0 {
		t.Errorf("the release, up to date, was applied %d times", rel.applied)
	}
	if got := boundStored(t, client); got.Status.Phase != v1alpha1.NfDeploymentDeployed {
		t.Errorf("phase %s, want DEPLOYED", got.Status.Phase)
	}
}

// unownedReleases: the target holds release "nf" recorded without an owner; like the engine,
// Uninstall leaves it when asked to (helmrelease.LeaveUnowned), and what it removes is counted.
type unownedReleases struct {
	boundReleases
	uninstalled int
}

func (r *unownedReleases) Uninstall(_ context.Context, t helmrelease.Target, _ string, unowned helmrelease.Unowned) error {
	if unowned == helmrelease.LeaveUnowned {
		return fmt.Errorf("release nf in namespace %s: %w", t.Namespace, helmrelease.ErrNotOwned)
	}
	r.uninstalled++
	return nil
}

// TestRegressionDeletingAnUndeployedNfDeploymentUninstallsAnUnownedRelease (found by review):
// an NfDeployment that never deployed (FAILED before its install: its chart unavailable, its
// values refused) and was deleted uninstalled the release of its name in its target namespace
// when that release recorded no owner (installed with helm itself, or by an older netweave for
// another NfDeployment). It now leaves such a release; one whose status records a revision (it
// deployed the release before owners were recorded) still removes it.
func TestRegressionDeletingAnUndeployedNfDeploymentUninstallsAnUnownedRelease(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name          string
		revision      int64
		wantUninstall int
	}{
		{"never deployed", 0, 0},
		{"deployed before owners were recorded", 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rel := &unownedReleases{}
			c, client, _ := boundController(t, rel, boundWorkloads{})
			d := boundStored(t, client)
			d.Status.ReleaseRevision = tc.revision
			now := metav1.Now()
			d.DeletionTimestamp = &now
			if err := c.remove(ctx, d); err != nil {
				t.Fatalf("remove: %v", err)
			}
			if rel.uninstalled != tc.wantUninstall {
				t.Errorf("unowned release uninstalled %d times, want %d", rel.uninstalled, tc.wantUninstall)
			}
			if after := boundStored(t, client); slices.Contains(after.Finalizers, v1alpha1.FinalizerRelease) {
				t.Error("finalizer kept: the NfDeployment cannot be deleted")
			}
		})
	}
}
