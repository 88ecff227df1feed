package localstack

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
)

// KubeAPIServer is a node-less kube-apiserver on loopback.
type KubeAPIServer struct {
	// URL is https://127.0.0.1:<port>.
	URL string
	// CAData verifies the serving certificate kube-apiserver generated into its --cert-dir.
	CAData  []byte
	Process *Process
}

type kubeAPIServerConfig struct {
	binary    string
	dir       string
	etcdURL   string
	pki       *pkiFiles
	tokenFile string
	// readyToken authenticates the /readyz polls; /readyz is public only once RBAC is bootstrapped.
	readyToken string
	timeout    time.Duration
	// extraArgs are added to the command line (Options.KubeAPIServerArgs).
	extraArgs []string
	// pick chooses the port to serve on; nil is FreePort.
	pick func() (int, error)
}

func startKubeAPIServer(ctx context.Context, c kubeAPIServerConfig) (*KubeAPIServer, error) {
	pick := c.pick
	if pick == nil {
		pick = FreePort
	}
	return retryTakenPort(func() (*KubeAPIServer, *Process, int64, error) {
		return startKubeAPIServerOnce(ctx, c, pick)
	})
}

// startKubeAPIServerOnce starts kube-apiserver on a port pick chooses and waits until it, and not
// another server that took the port first, is ready; it returns the process also when it
// failed, and where this run's output begins in the (appended) log.
func startKubeAPIServerOnce(ctx context.Context, c kubeAPIServerConfig, pick func() (int, error)) (*KubeAPIServer, *Process, int64, error) {
	port, err := pick()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("start kube-apiserver: %w", err)
	}
	certDir := filepath.Join(c.dir, "certs")
	url := fmt.Sprintf("https://127.0.0.1:%d", port)
	logPath := filepath.Join(c.dir, "kube-apiserver.log")
	logStart := logEnd(logPath)
	proc, err := StartProcess(ProcessOptions{
		Name:    "kube-apiserver",
		Argv:    append(append([]string{c.binary}, kubeAPIServerArgs(c, port, certDir)...), c.extraArgs...),
		LogPath: logPath,
	})
	if err != nil {
		return nil, nil, 0, err
	}
	stopOnErr := func(err error) (*KubeAPIServer, *Process, int64, error) {
		return nil, proc, logStart, errors.Join(fmt.Errorf("start kube-apiserver: %w", err), proc.Stop())
	}

	// The serving certificate does not exist until kube-apiserver has started: readiness is
	// polled accepting only the certificate it generates into its cert dir (so another server
	// that took the port is not taken for ours), and the generated CA is trusted from then on.
	transport := &http.Transport{TLSClientConfig: pinnedToCertFile(filepath.Join(certDir, "apiserver.crt"))}
	defer transport.CloseIdleConnections()
	client, err := rest.HTTPClientFor(&rest.Config{Host: url, BearerToken: c.readyToken, Transport: transport, Timeout: 5 * time.Second})
	if err != nil {
		return stopOnErr(err)
	}
	if err := WaitForHTTPOK(ctx, client, url+"/readyz", proc, c.timeout); err != nil {
		return stopOnErr(err)
	}
	caData, err := os.ReadFile(filepath.Join(certDir, "apiserver.crt"))
	if err != nil {
		return stopOnErr(fmt.Errorf("read generated serving cert: %w", err))
	}
	if !x509.NewCertPool().AppendCertsFromPEM(caData) {
		return stopOnErr(fmt.Errorf("no certificate in %s", filepath.Join(certDir, "apiserver.crt")))
	}
	return &KubeAPIServer{URL: url, CAData: caData, Process: proc}, proc, logStart, nil
}

// kubeAPIServerArgs follows shared/local-control-plane.md: the front-proxy flags are what let an
// aggregated server authenticate proxied requests; the endpoint reconciler and the ServiceAccount
// admission plugin are off because there are no nodes and no controller-manager.
func kubeAPIServerArgs(c kubeAPIServerConfig, port int, certDir string) []string {
	return []string{
		"--etcd-servers=" + c.etcdURL,
		fmt.Sprintf("--secure-port=%d", port),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--cert-dir=" + certDir,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		"--service-account-key-file=" + c.pki.serviceAccountKey,
		"--service-account-signing-key-file=" + c.pki.serviceAccountKey,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--token-auth-file=" + c.tokenFile,
		"--client-ca-file=" + c.pki.clientCA,
		"--authorization-mode=RBAC",
		"--endpoint-reconciler-type=none",
		"--disable-admission-plugins=ServiceAccount",
		"--requestheader-client-ca-file=" + c.pki.frontProxyCA,
		"--requestheader-allowed-names=" + FrontProxyClientName,
		"--requestheader-username-headers=X-Remote-User",
		// The caller's uid reaches netweave too, so a subscription made with kubectl records
		// its owner's uid as one made through O2 does (a user deleted and re-created under the
		// same name does not inherit it).
		"--requestheader-uid-headers=X-Remote-Uid",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + c.pki.frontProxyClientCert,
		"--proxy-client-key-file=" + c.pki.frontProxyClientKey,
	}
}

// Stop stops kube-apiserver.
func (k *KubeAPIServer) Stop() error { return k.Process.Stop() }
