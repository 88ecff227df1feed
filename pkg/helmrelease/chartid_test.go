package helmrelease_test

import (
	"testing"

	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// TestChartIdentity: a chart's identity (recorded with each release revision, see
// test/e2e TestHelmReleaseEngine/TestRegressionReleaseRecordsItsChartIdentity) tells apart two
// charts of one version and a digest pin, and does not change with the credentials.
func TestChartIdentity(t *testing.T) {
	upf := helmrelease.Source{RepoURL: "https://charts.example", Name: "upf", Version: "1.0.0"}
	nf := helmrelease.Source{RepoURL: "https://charts.example", Name: "nf", Version: "1.0.0"}
	if upf.ID() == nf.ID() {
		t.Fatalf("two charts of one version have one identity %s", upf.ID())
	}
	pinned := nf
	pinned.Digest = "sha256:0123"
	withCredentials := nf
	withCredentials.Username, withCredentials.Password = "u", "p"
	if pinned.ID() == nf.ID() || withCredentials.ID() != nf.ID() {
		t.Errorf("identity: a digest pin changes it (%v), credentials do not (%v)", pinned.ID() != nf.ID(), withCredentials.ID() == nf.ID())
	}
}
