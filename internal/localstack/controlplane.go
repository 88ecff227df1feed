package localstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
)

// DefaultStartTimeout bounds each start-up wait. kube-apiserver is ready in about 3 s on these
// 2-core machines when idle; the margin is for a machine busy compiling in parallel.
const DefaultStartTimeout = 90 * time.Second

// Options configures StartControlPlane.
type Options struct {
	// Dir holds certificates, tokens, kubeconfigs, etcd data and logs. It must be dedicated to
	// this control plane. When empty a temporary directory is created and removed by Stop.
	Dir string
	// StartTimeout bounds the wait for each component; DefaultStartTimeout when zero.
	StartTimeout time.Duration
	// KubeAPIServerArgs are added to kube-apiserver's command line (e.g. its
	// --tracing-config-file).
	KubeAPIServerArgs []string
	// ExtraControllers are kube-controller-manager controllers run besides the default ones
	// (controllers), e.g. "deployment-controller" for a cluster whose Deployments should report
	// status (there are no kubelets: only Deployments of 0 replicas become available).
	ExtraControllers []string
}

// ControlPlane is a running etcd, kube-apiserver and kube-controller-manager with users Admin,
// Alice and Bob.
type ControlPlane struct {
	Dir           string
	Etcd          *Etcd
	KubeAPIServer *KubeAPIServer
	// KubeControllerManager runs the controllers a real cluster's RBAC, namespaces and owner
	// references depend on (see controllers).
	KubeControllerManager *Process
	// Serving is the certificate for the aggregated server and the CA bundle for its APIService.
	Serving ServingCert

	users      map[string]user
	clientCA   *certAuthority
	removeDir  bool
	kubeconfig map[string]string
}

// StartControlPlane starts etcd and kube-apiserver, waits until kube-apiserver is ready and writes
// a kubeconfig per user. On error, whatever was started is stopped again.
func StartControlPlane(ctx context.Context, o Options) (cp *ControlPlane, err error) {
	timeout := o.StartTimeout
	if timeout == 0 {
		timeout = DefaultStartTimeout
	}
	// The binaries are located before anything starts, so a missing one fails in milliseconds
	// with the hint on how to build it.
	kasBin, err := KubeAPIServerBinary()
	if err != nil {
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	kcmBin, err := KubeControllerManagerBinary()
	if err != nil {
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	if _, err := EtcdBinary(); err != nil {
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	cp = &ControlPlane{Dir: o.Dir, users: map[string]user{}, kubeconfig: map[string]string{}}
	if cp.Dir == "" {
		if cp.Dir, err = os.MkdirTemp("", "netweave-e2e-"); err != nil {
			return nil, fmt.Errorf("start control plane: %w", err)
		}
		cp.removeDir = true
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, cp.Stop())
			cp = nil
		}
	}()

	pki, err := writePKI(filepath.Join(cp.Dir, "pki"))
	if err != nil {
		return cp, fmt.Errorf("start control plane: %w", err)
	}
	cp.Serving = pki.serving
	cp.clientCA = pki.clientCAKeys
	users, err := newUsers()
	if err != nil {
		return cp, fmt.Errorf("start control plane: %w", err)
	}
	tokenFile := filepath.Join(cp.Dir, "pki", "tokens.csv")
	if err := writeTokenFile(tokenFile, users); err != nil {
		return cp, fmt.Errorf("start control plane: %w", err)
	}
	for _, u := range users {
		cp.users[u.name] = u
	}

	if cp.Etcd, err = StartEtcd(ctx, filepath.Join(cp.Dir, "etcd"), timeout); err != nil {
		return cp, fmt.Errorf("start control plane: %w", err)
	}
	cp.KubeAPIServer, err = startKubeAPIServer(ctx, kubeAPIServerConfig{
		binary:     kasBin,
		dir:        filepath.Join(cp.Dir, "kube-apiserver"),
		etcdURL:    cp.Etcd.URL,
		pki:        pki,
		tokenFile:  tokenFile,
		readyToken: cp.users[Admin].token,
		timeout:    timeout,
		extraArgs:  o.KubeAPIServerArgs,
	})
	if err != nil {
		return cp, fmt.Errorf("start control plane: %w", err)
	}

	for _, u := range users {
		path := filepath.Join(cp.Dir, "kubeconfig-"+u.name)
		if err := writeKubeconfig(path, cp.KubeAPIServer.URL, cp.KubeAPIServer.CAData, u); err != nil {
			return cp, fmt.Errorf("start control plane: %w", err)
		}
		cp.kubeconfig[u.name] = path
	}
	cp.KubeControllerManager, err = startKubeControllerManager(ctx, controllerManagerConfig{
		binary:     kcmBin,
		dir:        filepath.Join(cp.Dir, "kube-controller-manager"),
		kubeconfig: cp.kubeconfig[Admin],
		pki:        pki,
		rootCA:     filepath.Join(cp.Dir, "kube-apiserver", "certs", "apiserver.crt"),
		timeout:    timeout,
		extra:      o.ExtraControllers,
	})
	if err != nil {
		return cp, fmt.Errorf("start control plane: %w", err)
	}
	return cp, nil
}

// Kubeconfig returns the path of the kubeconfig for user (Admin, Alice or Bob); it panics on an
// unknown user because that is a bug in the test, not a condition to handle.
func (cp *ControlPlane) Kubeconfig(user string) string {
	p, ok := cp.kubeconfig[user]
	if !ok {
		panic(fmt.Sprintf("localstack: no kubeconfig for user %q", user))
	}
	return p
}

// RESTConfig returns a fresh client-go config for user, safe for the caller to modify.
func (cp *ControlPlane) RESTConfig(user string) *rest.Config {
	u, ok := cp.users[user]
	if !ok {
		panic(fmt.Sprintf("localstack: unknown user %q", user))
	}
	return restConfig(cp.KubeAPIServer.URL, cp.KubeAPIServer.CAData, u)
}

// Processes returns the running components, for log dumps.
func (cp *ControlPlane) Processes() []*Process {
	var ps []*Process
	if cp.KubeControllerManager != nil {
		ps = append(ps, cp.KubeControllerManager)
	}
	if cp.KubeAPIServer != nil {
		ps = append(ps, cp.KubeAPIServer.Process)
	}
	if cp.Etcd != nil {
		ps = append(ps, cp.Etcd.Process)
	}
	return ps
}

// Stop stops kube-controller-manager, kube-apiserver, then etcd (the reverse of start, so none
// logs a storm of errors about the one below while draining), and removes Dir if StartControlPlane created it.
func (cp *ControlPlane) Stop() error {
	var errs []error
	for _, p := range cp.Processes() {
		if err := p.Stop(); err != nil {
			errs = append(errs, err)
		}
	}
	if cp.removeDir {
		if err := os.RemoveAll(cp.Dir); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", cp.Dir, err))
		}
	}
	return errors.Join(errs...)
}
