package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/netweave-io/netweave/test/e2e/framework"
)

// netweaveArgv is the command line of the aggregated server in the local setup: it serves with
// the certificate the APIService's caBundle vouches for, and talks to kube-apiserver through
// kubeconfig (its ServiceAccount's, with the RBAC of artifacts/deploy) for its own calls and for
// delegated authentication and authorization.
func netweaveArgv(bin string, port, o2Port int, cp *framework.ControlPlane, kubeconfig, redisAddr string, extra []string) []string {
	// Notifications may go to loopback receivers, so a local SMO stand-in can subscribe.
	local := append([]string{"--notifier=true", "--notifier-allowed-callback-cidrs=127.0.0.0/8"}, inventoryArgs()...)
	return cp.NetweaveArgv(framework.NetweaveArgs{
		Binary: bin, Kubeconfig: kubeconfig, RedisAddr: redisAddr, KeyPrefix: "netweave",
		Port: port, O2Port: o2Port, Extra: append(local, extra...),
	})
}

// inventoryArgs turn the inventory sync on. The O-Cloud flags match artifacts/examples/10-ocloud.yaml,
// so applying the example re-states what the sync wrote instead of fighting it over the
// immutable oCloudId.
func inventoryArgs() []string {
	return []string{
		"--inventory-sync=true",
		"--inventory-ocloud-id=262c8f17-52b5-4614-9e56-812ae21fa8a7",
		"--inventory-global-cloud-id=8b7d2f4e-5a9c-4e1b-b3d6-0f2a7c9e1d45",
		"--inventory-ocloud-name=edge-cloud-east",
		"--inventory-ocloud-description=Edge O-Cloud of the eastern region",
		"--inventory-cluster-name=local-cluster",
	}
}

// startNetweave starts netweave and waits for its /readyz, which the generic apiserver serves
// without authentication, verifying the serving certificate as the aggregator will.
// It serves the aggregated API on port and the O2 face on o2Port.
func startNetweave(ctx context.Context, bin, dir string, port, o2Port int, cp *framework.ControlPlane, kubeconfig, redisAddr string, extra []string, timeout time.Duration) (*framework.Process, error) {
	proc, err := framework.StartProcess(framework.ProcessOptions{
		Name:    "netweave",
		Argv:    netweaveArgv(bin, port, o2Port, cp, kubeconfig, redisAddr, extra),
		LogPath: filepath.Join(dir, "netweave.log"),
	})
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(cp.Serving.CABundle)
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}},
	}
	url := fmt.Sprintf("https://127.0.0.1:%d/readyz", port)
	if err := framework.WaitForHTTPOK(ctx, client, url, proc, timeout); err != nil {
		return nil, errorsJoinStop(fmt.Errorf("start netweave: %w", err), proc)
	}
	return proc, nil
}
