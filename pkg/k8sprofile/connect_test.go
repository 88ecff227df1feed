package k8sprofile

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// TestProfileRefusesLocalReferences: the Kubernetes profile reaches a member with the same
// rule as the inventory sync (members.RESTConfigOf). A member kubeconfig naming netweave's
// files neither hands out their content as the member's CA nor sends netweave's token.
func TestProfileRefusesLocalReferences(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "not found", http.StatusNotFound)
	}))
	defer srv.Close()
	dir := t.TempDir()
	// Stand in for netweave's own CA bundle and ServiceAccount token.
	caFile, tokenFile := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "token")
	localCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, localCA, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tokenFile, []byte("netweave-serviceaccount-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	dm := &v1alpha1.DeploymentManager{ObjectMeta: inventory.ManagedMeta("o2ims-system", "edge-1", "Cluster/x")}
	dm.Labels[v1alpha1.LabelCluster] = "edge-1"
	for _, tc := range []struct {
		field     string
		cluster   clientcmdapi.Cluster
		user      clientcmdapi.AuthInfo
		namespace string
	}{
		// The profile without a token: the old code read the file and returned it as the CA.
		{"certificate-authority", clientcmdapi.Cluster{Server: srv.URL, CertificateAuthority: caFile}, clientcmdapi.AuthInfo{Token: "t"}, ""},
		// A token for tenant-a: the old code asked the member's server with netweave's token.
		{"tokenFile", clientcmdapi.Cluster{Server: srv.URL, CertificateAuthorityData: localCA}, clientcmdapi.AuthInfo{TokenFile: tokenFile}, "tenant-a"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			cfg := clientcmdapi.NewConfig()
			cfg.Clusters["m"], cfg.AuthInfos["m"] = &tc.cluster, &tc.user
			cfg.Contexts["m"] = &clientcmdapi.Context{Cluster: "m", AuthInfo: "m"}
			cfg.CurrentContext = "m"
			kubeconfig, err := clientcmd.Write(*cfg)
			if err != nil {
				t.Fatal(err)
			}
			p := NewProvider(Config{Secrets: fake.NewClientset(optIn("o2ims-system", "edge-1", string(kubeconfig))), Namespace: "o2ims-system"})
			before := requests.Load()
			a, err := p.Access(t.Context(), dm, tc.namespace)
			if err == nil || !strings.Contains(err.Error(), tc.field+" ") {
				t.Errorf("Access: profile returned %t, error %v; want an error naming %s", a != nil, err, tc.field)
			}
			if n := requests.Load() - before; n != 0 {
				t.Errorf("the member's server was sent %d requests", n)
			}
		})
	}
}
