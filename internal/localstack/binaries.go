package localstack

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Versions of the binaries hack/build-control-plane.sh builds; their names carry the version so
// that a version bump never silently runs a stale cached binary.
const (
	KubeVersion = "v1.37.2"
	EtcdVersion = "v3.6.5"
	// AlertmanagerVersion is the Alertmanager the alarm source tests run.
	AlertmanagerVersion = "v0.35.0"
	// HelmVersion is the helm the chart tests run (hack/tools/helm/go.mod).
	HelmVersion = "v4.3.1"
)

// Environment variables that override where the binaries are found, for machines that keep them
// elsewhere (e.g. a shared cache in CI).
const (
	EnvKubeAPIServer         = "NETWEAVE_KUBE_APISERVER"
	EnvKubeControllerManager = "NETWEAVE_KUBE_CONTROLLER_MANAGER"
	EnvEtcd                  = "NETWEAVE_ETCD"
	EnvKubectl               = "NETWEAVE_KUBECTL"
	EnvAlertmanager          = "NETWEAVE_ALERTMANAGER"
	EnvHelm                  = "NETWEAVE_HELM"
)

// RepoRoot returns the directory of the main module's go.mod, found by walking up from the working
// directory; go test runs in the package directory, so a fixed relative path would break as soon
// as a test lives at another depth.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repo root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !isToolModule(dir) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repo root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// isToolModule tells the throw-away modules under hack/tools apart from the main module, so a
// launcher run from inside one of them still finds the repository root.
func isToolModule(dir string) bool {
	return filepath.Base(filepath.Dir(dir)) == "tools" && filepath.Base(filepath.Dir(filepath.Dir(dir))) == "hack"
}

// KubeAPIServerBinary returns the kube-apiserver to run: $NETWEAVE_KUBE_APISERVER, else the one
// cached under _output/bin.
func KubeAPIServerBinary() (string, error) {
	return locateBinary(EnvKubeAPIServer, "kube-apiserver-"+KubeVersion)
}

// KubeControllerManagerBinary returns the kube-controller-manager to run:
// $NETWEAVE_KUBE_CONTROLLER_MANAGER, else the one cached under _output/bin.
func KubeControllerManagerBinary() (string, error) {
	return locateBinary(EnvKubeControllerManager, "kube-controller-manager-"+KubeVersion)
}

// EtcdBinary returns the etcd to run: $NETWEAVE_ETCD, else the one cached under _output/bin.
func EtcdBinary() (string, error) {
	return locateBinary(EnvEtcd, "etcd-"+EtcdVersion)
}

// AlertmanagerBinary returns the Alertmanager to run: $NETWEAVE_ALERTMANAGER, else the one cached
// under _output/bin.
func AlertmanagerBinary() (string, error) {
	return locateBinary(EnvAlertmanager, "alertmanager-"+AlertmanagerVersion)
}

// HelmBinary returns the helm to run: $NETWEAVE_HELM, else the one cached under _output/bin.
func HelmBinary() (string, error) {
	return locateBinary(EnvHelm, "helm-"+HelmVersion)
}

// CRDDir returns the directory of the CustomResourceDefinitions hack/build-control-plane.sh
// fetches (cert-manager's and the Prometheus Operator's the chart's optional objects need).
func CRDDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "_output", "crds")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("locate CRDs: %s is missing; run 'make test-e2e' (or hack/build-control-plane.sh crds), which fetches them", dir)
	}
	return dir, nil
}

// CAPICRDDir returns the directory of Cluster API's CustomResourceDefinitions that
// hack/build-control-plane.sh crds fetches from the Cluster API module (SetUpProvisioning
// installs them).
func CAPICRDDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "_output", "capi-crds")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("locate Cluster API CRDs: %s is missing; run 'make test-e2e' (or hack/build-control-plane.sh crds), which fetches them", dir)
	}
	return dir, nil
}

// OutputBinary returns the path of a binary built by the Makefile into _output/bin (e.g.
// "netweave"), or an error that says how to build it.
func OutputBinary(name string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, "_output", "bin", name)
	if err := checkExecutable(path); err != nil {
		return "", fmt.Errorf("locate %s: %w (build it with 'make build')", name, err)
	}
	return path, nil
}

// KubectlBinary returns $NETWEAVE_KUBECTL, else kubectl from PATH.
func KubectlBinary() (string, error) {
	if p := os.Getenv(EnvKubectl); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("locate kubectl from $%s: %w", EnvKubectl, err)
		}
		return p, nil
	}
	p, err := exec.LookPath("kubectl")
	if err != nil {
		return "", fmt.Errorf("locate kubectl: %w", err)
	}
	return p, nil
}

func locateBinary(env, name string) (string, error) {
	if p := os.Getenv(env); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("locate %s from $%s: %w; unset it to use the one 'make test-e2e' builds", name, env, err)
		}
		return p, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, "_output", "bin", name)
	if err := checkExecutable(path); err != nil {
		return "", fmt.Errorf("locate %s: %w; run 'make test-e2e' (or hack/build-control-plane.sh), "+
			"which builds it, or set $%s", name, err, env)
	}
	return path, nil
}

func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}
