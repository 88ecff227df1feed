package localstack

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ServiceAccountKubeconfig writes a kubeconfig that authenticates as the ServiceAccount
// namespace/name with a fresh token, so a server under test runs with exactly the permissions
// its RBAC grants, not as an admin. It returns the file's path (in the control plane's dir).
func (cp *ControlPlane) ServiceAccountKubeconfig(ctx context.Context, namespace, name string) (string, error) {
	token, err := cp.ServiceAccountToken(ctx, namespace, name)
	if err != nil {
		return "", err
	}
	cfg, err := clientcmd.LoadFromFile(cp.Kubeconfig(Admin))
	if err != nil {
		return "", fmt.Errorf("load admin kubeconfig: %w", err)
	}
	var cluster *clientcmdapi.Cluster
	for _, c := range cfg.Clusters {
		cluster = c
	}
	out := clientcmdapi.NewConfig()
	out.Clusters["local"] = cluster
	out.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: token}
	out.Contexts[name] = &clientcmdapi.Context{Cluster: "local", AuthInfo: name}
	out.CurrentContext = name
	path := filepath.Join(cp.Dir, namespace+"-"+name+".kubeconfig")
	if err := clientcmd.WriteToFile(*out, path); err != nil {
		return "", fmt.Errorf("write kubeconfig of %s/%s: %w", namespace, name, err)
	}
	return path, nil
}

// ServiceAccountToken is a fresh token of the ServiceAccount namespace/name (the TokenRequest
// API, as a projected token volume would get one), for a process that authenticates as it.
func (cp *ControlPlane) ServiceAccountToken(ctx context.Context, namespace, name string) (string, error) {
	token, stderr, err := Kubectl(ctx, cp.Kubeconfig(Admin), "create", "token", name, "-n", namespace, "--duration=6h")
	if err != nil {
		return "", fmt.Errorf("create token for %s/%s: %w: %s", namespace, name, err, stderr)
	}
	return strings.TrimSpace(token), nil
}
