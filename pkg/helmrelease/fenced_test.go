package helmrelease

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/kube"
	kubefake "helm.sh/helm/v4/pkg/kube/fake"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// termEndingKubeClient is a target whose apply of an upgrade is cut short by the end of the
// leader term: the term's context is cancelled while Helm applies, and the apply fails.
type termEndingKubeClient struct {
	kubefake.FailingKubeClient
	endTerm context.CancelFunc
}

func (c *termEndingKubeClient) Update(_, _ kube.ResourceList, _ ...kube.ClientUpdateOption) (*kube.Result, error) {
	c.endTerm()
	return &kube.Result{}, context.Canceled
}

// TestRegressionUpgradeCutByTheTermEndRollsBackAfterIt (found by review): an upgrade that
// failed because the leader term ended (the Lease lost, or a shutdown) was rolled back by the
// engine without a context: the rollback (a new revision and the old objects applied again)
// was written after the term's fence, while a successor may already upgrade the same release,
// which the late rollback then undid. Nothing is written once the term's context is done; the
// successor takes over the release left pending or failed (takeOverAbandoned).
func TestRegressionUpgradeCutByTheTermEndRollsBackAfterIt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := memoryTarget(t)
	cfg.KubeClient = &termEndingKubeClient{
		FailingKubeClient: kubefake.FailingKubeClient{PrintingKubeClient: kubefake.PrintingKubeClient{Out: io.Discard}},
		endTerm:           cancel,
	}
	storedRevision(t, cfg, 1, rcommon.StatusDeployed, map[string]string{OwnerLabel: "tenant-a"})
	e := NewEngine(Config{Timeout: time.Minute})
	ch := &chart.Chart{Metadata: &chart.Metadata{Name: "cm", Version: "0.2.0", APIVersion: chart.APIVersionV2}}

	if _, err := e.applyWith(ctx, cfg, Target{Namespace: "tenant-a-nfs", Owner: "tenant-a"}, "owned", ch, nil, "id"); err == nil {
		t.Fatal("the upgrade cut short by the term's end succeeded")
	} else if !errors.Is(err, context.Canceled) {
		t.Logf("upgrade error: %v", err)
	}
	hist, err := cfg.Releases.History("owned")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hist {
		if r := h.(*release.Release); r.Version > 2 {
			t.Errorf("revision %d (%s, %q) written after the term's context ended", r.Version, r.Info.Status, r.Info.Description)
		}
	}
}

// TestRegressionUninstallAfterTheTermEndedIsSent (found by review): Helm's uninstall takes no
// context, and Uninstall did not look at its own: a worker that still handled a queued
// NfDeployment deletion after the term's context ended (the queue hands out what it holds
// after ShutDown) sent the uninstall (the release's reads, then its deletes) to the target
// after the term's fence, while a successor may already reconcile the same release.
func TestRegressionUninstallAfterTheTermEndedIsSent(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := NewEngine(Config{Timeout: time.Minute})
	target := Target{Config: &rest.Config{Host: srv.URL}, Namespace: "tenant-a-nfs", Owner: "tenant-a"}
	if err := e.Uninstall(ctx, target, "owned", TakeUnowned); err == nil {
		t.Error("uninstall after the term ended succeeded")
	}
	if _, err := e.Rollback(ctx, target, "owned", 1); err == nil {
		t.Error("rollback after the term ended succeeded")
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests sent to the target after the term's context ended", n)
	}
}

// TestFailedInstallNotUndoneAfterTheTermEnded: an install that failed because the leader term
// ended is not uninstalled (Helm's uninstall, without a context, would delete after the
// term's fence what a successor may already be installing); with the term alive it is.
func TestFailedInstallNotUndoneAfterTheTermEnded(t *testing.T) {
	for _, ended := range []bool{true, false} {
		cfg := memoryTarget(t)
		storedRevision(t, cfg, 1, rcommon.StatusFailed, map[string]string{OwnerLabel: "tenant-a"})
		ctx, cancel := context.WithCancel(context.Background())
		if ended {
			cancel()
		}
		e := NewEngine(Config{Timeout: time.Minute})
		failed := errors.New("install failed")
		if err := e.undoInstall(ctx, cfg, Target{Namespace: "tenant-a-nfs", Owner: "tenant-a"}, "owned", 0, failed); !errors.Is(err, failed) {
			t.Errorf("term ended %v: undo returned %v, want the install's error", ended, err)
		}
		cancel()
		hist, err := cfg.Releases.History("owned")
		if kept := err == nil && len(hist) == 1; kept != ended {
			t.Errorf("term ended %v: the failed install's revision kept %v (%d revisions, %v), want %v", ended, kept, len(hist), err, ended)
		}
	}
}

// TestRegressionHelmActionFencedAtTheTermEnd (found by review): Helm's uninstall and rollback
// take no context, so one that had started when the leader term ended (its Lease lost, a
// shutdown) ran to its end: it went on deleting or applying objects, and writing release
// records, after the term's fence, over what a successor may already apply. Every client of the
// Helm configuration a term builds now refuses to send once the term's context is done: the
// release records' (Helm's storage) and the objects' (Helm's kube client) alike.
func TestRegressionHelmActionFencedAtTheTermEnd(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/version":
			_, _ = io.WriteString(w, `{"major":"1","minor":"37","gitVersion":"v1.37.2"}`)
		case "/api/v1/namespaces/tenant-a-nfs/secrets":
			_, _ = io.WriteString(w, `{"kind":"SecretList","apiVersion":"v1","metadata":{},"items":[]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx, endTerm := context.WithCancel(context.Background())
	defer endTerm()
	e := NewEngine(Config{Timeout: time.Minute})
	cfg, err := e.configuration(ctx, Target{Config: &rest.Config{Host: srv.URL}, Namespace: "tenant-a-nfs", Owner: "tenant-a"})
	if err != nil {
		t.Fatal(err)
	}
	// During the term both reach the target.
	if _, err := cfg.Releases.History("owned"); err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
		t.Fatalf("release records during the term: %v", err)
	}
	if err := cfg.KubeClient.IsReachable(); err != nil {
		t.Fatalf("target during the term: %v", err)
	}
	during := requests.Load()
	if during == 0 {
		t.Fatal("no request reached the target during the term")
	}

	endTerm()
	if _, err := cfg.Releases.History("owned"); err == nil || errors.Is(err, driver.ErrReleaseNotFound) {
		t.Errorf("release records after the term ended: %v, want the request refused", err)
	}
	if err := cfg.KubeClient.IsReachable(); err == nil {
		t.Error("the target is reachable through Helm's kube client after the term ended")
	}
	res, err := cfg.KubeClient.Build(strings.NewReader("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: tenant-a-nfs\n"), false)
	if err == nil {
		_, errs := cfg.KubeClient.Delete(res, metav1.DeletePropagationBackground)
		err = errors.Join(errs...)
	}
	if err == nil {
		t.Error("an object deleted through Helm's kube client after the term ended")
	}
	if n := requests.Load(); n != during {
		t.Errorf("%d requests sent to the target after the term ended", n-during)
	}
}
