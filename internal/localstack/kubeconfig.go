package localstack

import (
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// clusterName names the cluster in every kubeconfig; one cluster per file keeps them independent.
const clusterName = "netweave-e2e"

// writeKubeconfig writes a self-contained kubeconfig (CA and token inline), so it can be copied
// elsewhere (e.g. _output/local/kubeconfig) and still work.
func writeKubeconfig(path, server string, caData []byte, u user) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[clusterName] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caData}
	cfg.AuthInfos[u.name] = &clientcmdapi.AuthInfo{Token: u.token}
	cfg.Contexts[u.name] = &clientcmdapi.Context{Cluster: clusterName, AuthInfo: u.name, Namespace: "default"}
	cfg.CurrentContext = u.name
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig for %s: %w", u.name, err)
	}
	return nil
}

func restConfig(server string, caData []byte, u user) *rest.Config {
	return &rest.Config{
		Host:            server,
		BearerToken:     u.token,
		TLSClientConfig: rest.TLSClientConfig{CAData: caData},
		// The defaults (5 QPS) throttle tests that create many objects for no benefit on loopback.
		QPS:   100,
		Burst: 200,
	}
}
