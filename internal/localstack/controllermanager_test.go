package localstack

import (
	"bytes"
	"context"
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

// TestRegressionControllerManagerPortTakenByAnother: a port FreePort found free can be taken
// (by another test package's kube-controller-manager, say) before kube-controller-manager
// binds it. Ours then exits, but /healthz was answered by the other server and the start
// reported success, so the stack ran without the controllers that keep namespaces, garbage
// collection and quotas working. The start must notice and serve on another port.
func TestRegressionControllerManagerPortTakenByAnother(t *testing.T) {
	ctx := context.Background()
	cp, err := StartControlPlane(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.Stop() })
	// Healthy, and not ours: any kube-controller-manager answers /healthz so.
	squatter := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(squatter.Close)
	taken := squatter.Listener.Addr().(*net.TCPAddr).Port

	picked := []int{}
	pick := func() (int, error) {
		if len(picked) == 0 {
			picked = append(picked, taken)
			return taken, nil
		}
		port, err := FreePort()
		picked = append(picked, port)
		return port, err
	}
	bin, err := KubeControllerManagerBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	proc, err := startKubeControllerManager(ctx, controllerManagerConfig{
		binary:     bin,
		dir:        dir,
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
	if slices.Contains(proc.argv, fmt.Sprintf("--secure-port=%d", taken)) {
		t.Fatalf("kube-controller-manager started on port %d, which another server holds (ports tried %v)", taken, picked)
	}
	if exited(proc) {
		t.Fatalf("the kube-controller-manager returned has exited (%v)", proc.ExitError())
	}
	log, err := os.ReadFile(filepath.Join(dir, "kube-controller-manager.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(log, []byte("address already in use")) {
		t.Errorf("the first start did not meet the taken port (ports tried %v); the test proves nothing", picked)
	}
}
