package localstack

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"time"
)

// InstallNetweaveRBAC applies the namespace, ServiceAccount, RBAC and FlowSchema of
// artifacts/deploy and returns a kubeconfig of that ServiceAccount, so netweave runs under test
// with exactly the permissions and priority a real install grants it.
func (cp *ControlPlane) InstallNetweaveRBAC(ctx context.Context) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	admin := cp.Kubeconfig(Admin)
	for _, f := range []string{"00-namespace.yaml", "10-rbac.yaml", "15-flowcontrol.yaml", "20-roles.yaml"} {
		// Server-side, as the chart is applied: a client-side apply leaves a last-applied
		// annotation owned by "kubectl-client-side-apply", and then make run's
		// "helm template | kubectl apply --server-side --dry-run=server" warns once per object
		// that it cannot migrate it.
		if out, stderr, err := Kubectl(ctx, admin, "apply", "--server-side", "-f", filepath.Join(root, "artifacts", "deploy", f)); err != nil {
			return "", fmt.Errorf("apply %s: %w\n%s%s", f, err, out, stderr)
		}
	}
	return cp.ServiceAccountKubeconfig(ctx, "o2ims-system", "netweave")
}

// NetweaveArgs are the parts of a netweave command line that differ between runs.
type NetweaveArgs struct {
	Binary     string
	Kubeconfig string
	RedisAddr  string
	KeyPrefix  string
	// Port is the aggregated API port; O2Port the O2-IMS port (0 disables the O2 face).
	Port, O2Port int
	Verbosity    int
	Extra        []string
}

// NetweaveArgv is netweave's command line on loopback against cp: the serving certificate the
// APIService's caBundle vouches for, delegated authn/authz through kubeconfig, Redis at
// RedisAddr, the O2 face on O2Port with its apiRoot on 127.0.0.1.
func (cp *ControlPlane) NetweaveArgv(a NetweaveArgs) []string {
	argv := []string{a.Binary,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(a.Port),
		"--tls-cert-file=" + cp.Serving.CertFile,
		"--tls-private-key-file=" + cp.Serving.KeyFile,
		"--kubeconfig=" + a.Kubeconfig,
		"--authentication-kubeconfig=" + a.Kubeconfig,
		"--authorization-kubeconfig=" + a.Kubeconfig,
		"--redis-address=" + a.RedisAddr,
		"--redis-key-prefix=" + a.KeyPrefix,
		"--o2ims-bind-address=127.0.0.1",
		"--o2ims-secure-port=" + strconv.Itoa(a.O2Port),
		"-v=" + strconv.Itoa(a.Verbosity),
	}
	if a.O2Port != 0 {
		argv = append(argv, "--o2ims-api-root="+O2APIRoot(a.O2Port))
	}
	return append(argv, a.Extra...)
}

// O2APIRoot is the apiRoot of an O2-IMS listener on loopback.
func O2APIRoot(port int) string { return "https://127.0.0.1:" + strconv.Itoa(port) }

// NetweaveOptions configures StartNetweave.
type NetweaveOptions struct {
	// Binary is the netweave to run; _output/bin/netweave when empty.
	Binary string
	// Name names the process and its log (<Dir>/<Name>.log); "netweave" when empty.
	Name string
	// Dir holds the log; the control plane's directory when empty.
	Dir                  string
	RedisAddr, KeyPrefix string
	// Port serves the aggregated API, O2Port the O2-IMS face; free ports are chosen when zero
	// (callers that must name them before netweave starts, as Alertmanager's webhook does,
	// choose them first).
	Port, O2Port int
	Verbosity    int
	// Args are more netweave flags (features under test or demo enable themselves this way).
	Args []string
	// WaitReady waits for netweave's /readyz as well as for its APIService; a test that starts
	// netweave against a Redis it must refuse leaves it false.
	WaitReady bool
	// Timeout bounds each wait; DefaultStartTimeout when zero.
	Timeout time.Duration
	// Kubeconfig is netweave's ServiceAccount kubeconfig from an earlier InstallNetweaveRBAC;
	// when empty, StartNetweave installs the RBAC itself.
	Kubeconfig string
}

// Netweave is a netweave process running as its own ServiceAccount (under the chart's RBAC)
// and registered behind the o2ims.oran.org APIService.
type Netweave struct {
	Process      *Process
	Port, O2Port int
	// Kubeconfig is the ServiceAccount's, for starting more replicas.
	Kubeconfig string
}

// StartNetweave brings netweave up on cp the way every local run does (e2e, benchmarks, make
// run): the chart's namespace, ServiceAccount and RBAC, netweave with that identity, and the
// APIService pointing at it, Available and in discovery. On error, the process is stopped.
func StartNetweave(ctx context.Context, cp *ControlPlane, o NetweaveOptions) (nw *Netweave, err error) {
	if o.Timeout == 0 {
		o.Timeout = DefaultStartTimeout
	}
	if o.Name == "" {
		o.Name = "netweave"
	}
	if o.Dir == "" {
		o.Dir = cp.Dir
	}
	if o.Binary == "" {
		if o.Binary, err = OutputBinary("netweave"); err != nil {
			return nil, fmt.Errorf("start netweave: %w (make build builds it)", err)
		}
	}
	nw = &Netweave{Port: o.Port, O2Port: o.O2Port, Kubeconfig: o.Kubeconfig}
	if nw.Kubeconfig == "" {
		if nw.Kubeconfig, err = cp.InstallNetweaveRBAC(ctx); err != nil {
			return nil, fmt.Errorf("start netweave: %w", err)
		}
	}
	for _, p := range []*int{&nw.Port, &nw.O2Port} {
		if *p == 0 {
			if *p, err = FreePort(); err != nil {
				return nil, fmt.Errorf("start netweave: %w", err)
			}
		}
	}
	nw.Process, err = StartProcess(ProcessOptions{
		Name: o.Name,
		Argv: cp.NetweaveArgv(NetweaveArgs{Binary: o.Binary, Kubeconfig: nw.Kubeconfig, RedisAddr: o.RedisAddr,
			KeyPrefix: o.KeyPrefix, Port: nw.Port, O2Port: nw.O2Port, Verbosity: o.Verbosity, Extra: o.Args}),
		LogPath: filepath.Join(o.Dir, o.Name+".log"),
	})
	if err != nil {
		return nil, fmt.Errorf("start netweave: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(fmt.Errorf("start netweave: %w; last lines of its log:\n%s", err, nw.Process.LogTail(40)), nw.Process.Stop())
			nw = nil
		}
	}()
	if o.WaitReady {
		// /readyz is public; the serving certificate is verified as the aggregator will.
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(cp.Serving.CABundle)
		client := &http.Client{Timeout: 5 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
		if err := WaitForHTTPOK(ctx, client, fmt.Sprintf("https://127.0.0.1:%d/readyz", nw.Port), nw.Process, o.Timeout); err != nil {
			return nw, err
		}
	}
	admin := cp.RESTConfig(Admin)
	if err := RegisterAPIService(ctx, admin, nw.Port, cp.Serving.CABundle); err != nil {
		return nw, err
	}
	if err := WaitForAPIServiceAvailable(ctx, admin, o.Timeout); err != nil {
		return nw, err
	}
	if err := WaitForAPIServiceDiscovery(ctx, admin, o.Timeout); err != nil {
		return nw, err
	}
	return nw, nil
}
