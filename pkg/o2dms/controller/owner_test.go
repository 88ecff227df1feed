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

	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
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

func (r *ownedReleases) Uninstall(_ context.Context, t helmrelease.Target, _ string) error {
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
