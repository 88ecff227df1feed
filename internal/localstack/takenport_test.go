package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// squattedPorts starts a TLS server that answers every request 200, as a healthy server of
// another stack answers /healthz or /readyz, and returns a port picker whose first port is
// the one that server holds, and the ports it handed out.
func squattedPorts(t *testing.T) (taken int, pick func() (int, error), picked func() []int) {
	t.Helper()
	return squattedPortsBy(t, httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})))
}

// squattedPortsBy is squattedPorts with the squatting server given.
func squattedPortsBy(t *testing.T, squatter *httptest.Server) (taken int, pick func() (int, error), picked func() []int) {
	t.Helper()
	t.Cleanup(squatter.Close)
	taken = squatter.Listener.Addr().(*net.TCPAddr).Port
	var ports []int
	pick = func() (int, error) {
		if len(ports) == 0 {
			ports = append(ports, taken)
			return taken, nil
		}
		port, err := FreePort()
		ports = append(ports, port)
		return port, err
	}
	return taken, pick, func() []int { return ports }
}

// checkNotOnTakenPort fails t unless proc runs, does not serve on taken, and its log shows
// that a start met the taken port (or the test proved nothing).
func checkNotOnTakenPort(t *testing.T, proc *Process, flag string, taken int, picked []int) {
	t.Helper()
	onTaken := func(a string) bool {
		return a == fmt.Sprintf("%s=%d", flag, taken) || a == fmt.Sprintf("%s=127.0.0.1:%d", flag, taken)
	}
	if slices.ContainsFunc(proc.argv, onTaken) {
		t.Fatalf("%s started on port %d, which another server holds (ports tried %v)", proc.name, taken, picked)
	}
	if exited(proc) {
		t.Fatalf("the %s returned has exited (%v)", proc.name, proc.ExitError())
	}
	log, err := os.ReadFile(proc.logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(log, []byte("address already in use")) {
		t.Errorf("no start of %s met the taken port (ports tried %v); the test proves nothing", proc.name, picked)
	}
}

// TestRegressionControlPlanePortTakenByAnother: a port FreePort found free can be taken (by
// another test package's stack, say) before kube-apiserver or kube-controller-manager binds
// it. Ours then exits, but the readiness probe was answered by the other server (it skipped
// certificate verification) and the start reported success: the stack ran without the
// controllers that keep namespaces, garbage collection and quotas working, or against
// someone else's API server. The start must notice, and serve on another port.
func TestRegressionControlPlanePortTakenByAnother(t *testing.T) {
	ctx := context.Background()
	cp, err := StartControlPlane(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.Stop() })

	t.Run("kube-apiserver", func(t *testing.T) {
		taken, pick, picked := squattedPorts(t)
		bin, err := KubeAPIServerBinary()
		if err != nil {
			t.Fatal(err)
		}
		// A second API server of its own (PKI, users) on the control plane's etcd.
		dir := t.TempDir()
		pki, err := writePKI(filepath.Join(dir, "pki"))
		if err != nil {
			t.Fatal(err)
		}
		users, err := newUsers()
		if err != nil {
			t.Fatal(err)
		}
		tokenFile := filepath.Join(dir, "pki", "tokens.csv")
		if err := writeTokenFile(tokenFile, users); err != nil {
			t.Fatal(err)
		}
		kas, err := startKubeAPIServer(ctx, kubeAPIServerConfig{binary: bin, dir: filepath.Join(dir, "kube-apiserver"), etcdURL: cp.Etcd.URL,
			pki: pki, tokenFile: tokenFile, readyToken: users[0].token, timeout: time.Minute, pick: pick})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = kas.Process.Stop() })
		checkNotOnTakenPort(t, kas.Process, "--secure-port", taken, picked())
	})

	t.Run("kube-controller-manager", func(t *testing.T) {
		taken, pick, picked := squattedPorts(t)
		bin, err := KubeControllerManagerBinary()
		if err != nil {
			t.Fatal(err)
		}
		proc, err := startKubeControllerManager(ctx, controllerManagerConfig{
			binary:     bin,
			dir:        t.TempDir(),
			kubeconfig: cp.Kubeconfig(Admin),
			pki:        &pkiFiles{serviceAccountKey: filepath.Join(cp.Dir, "pki", "service-account.key")},
			rootCA:     filepath.Join(cp.Dir, "kube-apiserver", "certs", "apiserver.crt"),
			timeout:    time.Minute,
			pick:       pick,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = proc.Stop() })
		checkNotOnTakenPort(t, proc, "--secure-port", taken, picked())
	})
}

// TestRegressionAlertmanagerPortTakenByAnother: the same race for Alertmanager, whose readiness
// probe is plain HTTP: another test package's Alertmanager on the port FreePort found free
// answered /-/ready, ours exited, and the start reported success, so alerts went to an
// Alertmanager that sends them to someone else's netweave. The start must notice, and serve on
// another port.
func TestRegressionAlertmanagerPortTakenByAnother(t *testing.T) {
	// Another Alertmanager, as far as a probe can tell: ready, and a status of its own
	// configuration.
	other := AlertmanagerOptions{Dir: "/elsewhere"}
	status, err := json.Marshal(map[string]any{"config": map[string]any{
		"original": "templates:\n- " + alertmanagerTemplates(other) + "\n"}})
	if err != nil {
		t.Fatal(err)
	}
	taken, pick, picked := squattedPortsBy(t, httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/status" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(status)
			return
		}
		_, _ = w.Write([]byte("OK"))
	})))
	am, err := startAlertmanager(context.Background(), AlertmanagerOptions{Dir: t.TempDir(), WebhookURL: "http://127.0.0.1:1/lost"},
		time.Minute, pick)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = am.Stop() })
	checkNotOnTakenPort(t, am.Process, "--web.listen-address", taken, picked())
}
