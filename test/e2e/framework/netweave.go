package framework

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
)

// InstallNetweaveRBAC applies the namespace, ServiceAccount and RBAC of artifacts/deploy and
// returns a kubeconfig of that ServiceAccount, so netweave runs under test with exactly the
// permissions a real install grants it.
func (cp *ControlPlane) InstallNetweaveRBAC(ctx context.Context) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	admin := cp.Kubeconfig(Admin)
	for _, f := range []string{"00-namespace.yaml", "10-rbac.yaml", "20-roles.yaml"} {
		if out, stderr, err := Kubectl(ctx, admin, "apply", "-f", filepath.Join(root, "artifacts", "deploy", f)); err != nil {
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
