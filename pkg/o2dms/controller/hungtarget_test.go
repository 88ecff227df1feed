package controller

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	certutil "k8s.io/client-go/util/cert"

	chart "helm.sh/helm/v4/pkg/chart/v2"

	"github.com/netweave-io/netweave/pkg/helmrelease"
	"github.com/netweave-io/netweave/pkg/netclass"
)

// TestRegressionHungTargetHoldsAWorker: a target cluster's API server that accepted the
// controller's requests and never answered (a tenant's member, or one half dead) held the
// O2-DMS worker applying to it for good: Helm reads its release records and discovers the
// cluster without a context, and the target's client had no deadline. The workers are shared
// by every tenant's NfDeployments, so a few such targets stopped all deployments. Every
// request but a watch to a target now ends within ProfileTargets.RequestTimeout, and the
// failure says its class, not the member's address.
func TestRegressionHungTargetHoldsAWorker(t *testing.T) {
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey("edge-1", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	asked := make(chan string, 16)
	stop := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case asked <- r.URL.Path:
		default:
		}
		// Accepted, never answered (until the test ends, so that the server can close).
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	defer close(stop)
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}
	targets, dms, dmFor := newTargetRig(t, dial, certPEM)
	targets.RequestTimeout = time.Second
	if err := dms.Add(dmFor("edge-1", "uid-1")); err != nil {
		t.Fatal(err)
	}
	tgt, err := targets.Target(t.Context(), targetDMID, "tenant-a")
	if err != nil {
		t.Fatal(err)
	}

	e := helmrelease.NewEngine(helmrelease.Config{Timeout: time.Minute})
	ch := &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: "nf", Version: "1.0.0"}}
	done := make(chan error, 1)
	go func() {
		_, err := e.Apply(context.Background(), tgt, "nf", ch, nil, "")
		done <- err
	}()
	var applyErr error
	select {
	case applyErr = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("Apply still waiting on a target that never answers after 30 s (asked %s): the worker is held", <-asked)
	}
	if applyErr == nil || !netclass.Timeout(applyErr) {
		t.Fatalf("Apply against a target that never answers: %v, want a timeout", applyErr)
	}
	var f *failure
	if !errors.As(helmFailure("InstallFailed", "act on release nf", applyErr), &f) {
		t.Fatalf("not a failure: %v", applyErr)
	}
	if msg := f.statusMessage(); strings.Contains(msg, srv.Listener.Addr().String()) || strings.Contains(msg, "edge-1") {
		t.Errorf("status message %q names the target", msg)
	}
}
