package localstack

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/rest"
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
}

// startKubeControllerManager runs kube-controller-manager against the control plane with the
// admin's kubeconfig and waits until it is healthy.
func startKubeControllerManager(ctx context.Context, c controllerManagerConfig) (*Process, error) {
	port, err := FreePort()
	if err != nil {
		return nil, fmt.Errorf("start kube-controller-manager: %w", err)
	}
	proc, err := StartProcess(ProcessOptions{
		Name: "kube-controller-manager",
		Argv: []string{c.binary,
			"--kubeconfig=" + c.kubeconfig,
			"--authentication-kubeconfig=" + c.kubeconfig,
			"--authorization-kubeconfig=" + c.kubeconfig,
			"--bind-address=127.0.0.1",
			fmt.Sprintf("--secure-port=%d", port),
			"--cert-dir=" + filepath.Join(c.dir, "certs"),
			"--leader-elect=false",
			"--controllers=" + strings.Join(append(slices.Clone(controllers), c.extra...), ","),
			"--root-ca-file=" + c.rootCA,
			"--service-account-private-key-file=" + c.pki.serviceAccountKey,
			"--use-service-account-credentials=false",
			// The resourcequota controller counts a quota when it is created, but only for
			// resources it has discovered by then; netweave's aggregated kinds appear within its
			// 30s discovery period, and a quota made earlier (as a fresh stack's first steps do)
			// is recounted only at the next full resync, 5 minutes by default.
			"--resource-quota-sync-period=10s",
			"-v=1",
		},
		LogPath: filepath.Join(c.dir, "kube-controller-manager.log"),
	})
	if err != nil {
		return nil, err
	}
	// /healthz is public (kube-controller-manager's default always-allow paths); its serving
	// certificate is self-signed at start, so the loopback probe does not verify it.
	client, err := rest.HTTPClientFor(&rest.Config{Host: "https://127.0.0.1", TLSClientConfig: rest.TLSClientConfig{Insecure: true}})
	if err != nil {
		_ = proc.Stop()
		return nil, fmt.Errorf("start kube-controller-manager: %w", err)
	}
	if err := WaitForHTTPOK(ctx, client, fmt.Sprintf("https://127.0.0.1:%d/healthz", port), proc, c.timeout); err != nil {
		_ = proc.Stop()
		return nil, fmt.Errorf("start kube-controller-manager: %w", err)
	}
	return proc, nil
}
