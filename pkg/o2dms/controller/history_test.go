package controller

import (
	"context"
	"strings"
	"testing"

	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// failedUpgradeHistory: the release's history holds an upgrade that failed as Helm records
// it, its description quoting the error of the request to the target (here a connection
// reset while applying an object, recorded by Helm's next request, which got through), and the
// rollback the engine made afterwards.
type failedUpgradeHistory struct{ boundReleases }

const failedUpgradeDescription = `Upgrade "nf" failed: Patch "https://10.0.0.5:6443/apis/apps/v1/namespaces/tenant-a/deployments/nf?fieldManager=helm": ` +
	`read tcp 10.244.1.7:51234->10.0.0.5:6443: read: connection reset by peer`

func (r *failedUpgradeHistory) History(context.Context, helmrelease.Target, string) ([]helmrelease.Revision, error) {
	return []helmrelease.Revision{
		{Revision: 1, Status: "superseded", ChartVersion: "1.0.0", Description: "Install complete"},
		{Revision: 2, Status: "failed", ChartVersion: "1.0.0", Description: failedUpgradeDescription},
		{Revision: 3, Status: "deployed", ChartVersion: "1.0.0", Description: "Rollback to 1"},
	}, nil
}

// TestRegressionHistoryOutcomeCarriesTargetErrorText (found by review): status.history[]
// .outcome copied Helm's description of each revision verbatim, and Helm describes a failed
// install, upgrade or rollback as "<action> "<name>" failed: <error>", the error being what
// the request to the target cluster ended with: its API server's address and netweave's own,
// refused against reset, or the body of a page a proxy answered. The status message of the
// failed attempt said the class only (targetFailure); the history, which whoever may read the
// NfDeployment reads, said it all. It keeps what failed and drops Helm's error text.
func TestRegressionHistoryOutcomeCarriesTargetErrorText(t *testing.T) {
	c, client, key := boundController(t, &failedUpgradeHistory{}, boundWorkloads{})
	if _, err := c.reconcile(context.Background(), key); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	got := boundStored(t, client)
	if got.Status.Phase != v1alpha1.NfDeploymentDeployed || len(got.Status.History) != 3 {
		t.Fatalf("phase %s, history %+v; want DEPLOYED with 3 revisions", got.Status.Phase, got.Status.History)
	}
	want := []string{"superseded: Install complete", `failed: Upgrade "nf" failed`, "deployed: Rollback to 1"}
	for i, h := range got.Status.History {
		if strings.Contains(h.Outcome, "10.0.0.5") || strings.Contains(h.Outcome, "10.244.1.7") || strings.Contains(h.Outcome, "reset") {
			t.Errorf("revision %d: outcome %q carries the target's error", h.Revision, h.Outcome)
		}
		if h.Outcome != want[i] {
			t.Errorf("revision %d: outcome %q, want %q", h.Revision, h.Outcome, want[i])
		}
	}
}
