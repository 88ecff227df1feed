package localstack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// controllers are the kube-controller-manager controllers the local control plane runs: the
// ones that make RBAC, namespaces and owner references behave as on a real cluster. Controllers
// that manage Nodes (node lifecycle, IPAM, TTL annotations, taint eviction) stay off: the Nodes
// here are fakes the tests create, with no kubelet to heartbeat, so those controllers would
// mark them unreachable and rewrite them under the inventory tests. The resourcequota
// controller keeps ResourceQuota status.used current, including the o2ims.oran.org object
// counts netweave's quota admission charges against (it discovers the aggregated resources).
var controllers = []string{
	"clusterrole-aggregation-controller",
	"namespace-controller",
	"garbage-collector-controller",
	"serviceaccount-controller",
	"serviceaccount-token-controller",
	"root-ca-certificate-publisher-controller",
	"resourcequota-controller",
}

type controllerManagerConfig struct {
	binary     string
	dir        string
	kubeconfig string
	pki        *pkiFiles
	// rootCA verifies kube-apiserver's serving certificate; published in every namespace's
	// kube-root-ca.crt ConfigMap, as on a real cluster.
	rootCA  string
	timeout time.Duration
	// extra controllers to run besides controllers.
	extra []string
	// pick chooses the port to serve on; nil is FreePort.
	pick func() (int, error)
}

// startKubeControllerManager runs kube-controller-manager against the control plane with the
// admin's kubeconfig (its controllers then act as their own ServiceAccounts) and waits until it
// is healthy.
func startKubeControllerManager(ctx context.Context, c controllerManagerConfig) (*Process, error) {
	pick := c.pick
	if pick == nil {
		pick = FreePort
	}
	return retryTakenPort(func() (*Process, *Process, int64, error) {
		proc, logStart, err := startKubeControllerManagerOnce(ctx, c, pick)
		if err != nil {
			return nil, proc, logStart, err
		}
		return proc, proc, logStart, nil
	})
}

// startKubeControllerManagerOnce starts kube-controller-manager on a port pick chooses and
// waits until it, and not another server that took the port first, is healthy; logStart is
// where this run's output begins in the (appended) log.
func startKubeControllerManagerOnce(ctx context.Context, c controllerManagerConfig, pick func() (int, error)) (*Process, int64, error) {
	port, err := pick()
	if err != nil {
		return nil, 0, fmt.Errorf("start kube-controller-manager: %w", err)
	}
	certDir := filepath.Join(c.dir, "certs")
	logPath := filepath.Join(c.dir, "kube-controller-manager.log")
	logStart := logEnd(logPath)
	proc, err := StartProcess(ProcessOptions{
		Name: "kube-controller-manager",
		Argv: []string{c.binary,
			"--kubeconfig=" + c.kubeconfig,
			"--authentication-kubeconfig=" + c.kubeconfig,
			"--authorization-kubeconfig=" + c.kubeconfig,
			"--bind-address=127.0.0.1",
			fmt.Sprintf("--secure-port=%d", port),
			"--cert-dir=" + certDir,
			"--leader-elect=false",
			"--controllers=" + strings.Join(append(slices.Clone(controllers), c.extra...), ","),
			"--root-ca-file=" + c.rootCA,
			"--service-account-private-key-file=" + c.pki.serviceAccountKey,
			// Each controller as its own ServiceAccount, bound by the bootstrap roles
			// (system:controller:*), as kubeadm and most distributions run them: what a
			// controller may not do to netweave's objects (the namespace controller holds no
			// custom verb) fails here as on a real cluster, not hidden by the admin's rights.
			"--use-service-account-credentials=true",
			// The resourcequota controller counts a quota when it is created, but only for
			// resources it has discovered by then; netweave's aggregated kinds appear within its
			// 30s discovery period, and a quota made earlier (as a fresh stack's first steps do)
			// is recounted only at the next full resync, 5 minutes by default.
			"--resource-quota-sync-period=10s",
			"-v=1",
		},
		LogPath: logPath,
	})
	if err != nil {
		return nil, 0, err
	}
	// /healthz is public (kube-controller-manager's default always-allow paths). The serving
	// certificate is the one kube-controller-manager generates into --cert-dir as it starts:
	// the probe accepts that certificate only, so a server of another stack that took the port
	// (and answers /healthz too, while ours fails to bind and exits) is not taken for ours.
	transport := &http.Transport{TLSClientConfig: pinnedToCertFile(filepath.Join(certDir, "kube-controller-manager.crt"))}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 5 * time.Second}
	if err := WaitForHTTPOK(ctx, client, fmt.Sprintf("https://127.0.0.1:%d/healthz", port), proc, c.timeout); err != nil {
		return proc, logStart, errors.Join(fmt.Errorf("start kube-controller-manager: %w", err), proc.Stop())
	}
	return proc, logStart, nil
}
