package localstack

import (
	"context"
	"crypto/x509"
	"fmt"
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
}

func startKubeAPIServer(ctx context.Context, c kubeAPIServerConfig) (*KubeAPIServer, error) {
	port, err := FreePort()
	if err != nil {
		return nil, fmt.Errorf("start kube-apiserver: %w", err)
	}
	certDir := filepath.Join(c.dir, "certs")
	url := fmt.Sprintf("https://127.0.0.1:%d", port)
	proc, err := StartProcess(ProcessOptions{
		Name:    "kube-apiserver",
		Argv:    append(append([]string{c.binary}, kubeAPIServerArgs(c, port, certDir)...), c.extraArgs...),
		LogPath: filepath.Join(c.dir, "kube-apiserver.log"),
	})
	if err != nil {
		return nil, err
	}
	stopOnErr := func(err error) (*KubeAPIServer, error) {
		_ = proc.Stop()
		return nil, fmt.Errorf("start kube-apiserver: %w", err)
	}

	// The serving certificate does not exist until kube-apiserver has started, so readiness is
	// polled without verification (loopback only, bearer token of a throw-away cluster) and the
	// generated CA is trusted from then on.
	probe := &rest.Config{Host: url, BearerToken: c.readyToken, TLSClientConfig: rest.TLSClientConfig{Insecure: true}}
	client, err := rest.HTTPClientFor(probe)
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
	return &KubeAPIServer{URL: url, CAData: caData, Process: proc}, nil
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
