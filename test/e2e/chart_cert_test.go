package e2e

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
)

// TestRegressionUpgradeKeepsCertificateOfOldNames: with the self-signed certificate, an upgrade
// kept the serving certificate of the first install whatever names it now needed: turning the
// O2 Ingress on (or changing its host) left netweave serving a certificate without the host,
// and SMOs reaching it through a passthrough Ingress failed hostname verification. The chart
// now records the names a certificate was issued for and issues another when they change, from
// the CA kept beside it, so that what clients and the APIService trust stays; with the names
// unchanged the certificate is kept.
func TestRegressionUpgradeKeepsCertificateOfOldNames(t *testing.T) {
	t.Parallel()
	c := newChartRenderer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cp := stacktest.StartControlPlane(t, localstack.Options{})
	admin := cp.Kubeconfig(localstack.Admin)
	if out, stderr, err := localstack.Kubectl(ctx, admin, "create", "namespace", chartNamespace); err != nil {
		t.Fatalf("create namespace: %v\n%s%s", err, out, stderr)
	}
	// render renders against the cluster (helm's lookup reads its Secrets), as an upgrade does,
	// and applies the Secrets as the upgrade would.
	render := func(set ...string) (servingCert, ca []byte, caBundle string) {
		t.Helper()
		args := []string{"template", "netweave", c.chart, "--namespace", chartNamespace, "--dry-run=server", "--kubeconfig", admin}
		for _, s := range set {
			args = append(args, "--set-json", s)
		}
		cmd := exec.CommandContext(ctx, c.bin, args...)
		cmd.Env = os.Environ()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("helm template %v: %v\n%s", set, err, out)
		}
		var secrets []string
		for _, o := range parseManifests(t, string(out)) {
			switch {
			case o.kind() == "Secret" && strings.HasPrefix(o.name(), "netweave-tls"):
				// What helm install records on what it creates, so that the next render may
				// take the Secret over as the release's.
				md := o.obj["metadata"].(map[string]any)
				ann, _ := md["annotations"].(map[string]any)
				if ann == nil {
					ann = map[string]any{}
				}
				ann["meta.helm.sh/release-name"], ann["meta.helm.sh/release-namespace"] = "netweave", chartNamespace
				md["annotations"] = ann
				b, err := yaml.Marshal(o.obj)
				if err != nil {
					t.Fatal(err)
				}
				secrets = append(secrets, string(b))
				if o.name() == "netweave-tls" {
					data := o.obj["data"].(map[string]any)
					servingCert, ca = decodeB64(t, data["tls.crt"]), decodeB64(t, data["ca.crt"])
				}
			case o.kind() == "APIService" && o.name() == "v1alpha1.o2ims.oran.org":
				caBundle, _ = o.obj["spec"].(map[string]any)["caBundle"].(string)
			}
		}
		if servingCert == nil {
			t.Fatalf("no netweave-tls Secret rendered\n%s", out)
		}
		if o, stderr, err := localstack.KubectlWithInput(ctx, admin, strings.NewReader(strings.Join(secrets, "---\n")),
			"apply", "--server-side", "--force-conflicts", "--field-manager=helm", "-f", "-"); err != nil {
			t.Fatalf("apply the Secrets: %v\n%s%s", err, o, stderr)
		}
		return servingCert, ca, caBundle
	}
	first, firstCA, firstBundle := render()
	if names := dnsNames(t, first); slices.Contains(names, "o2.example.net") {
		t.Fatalf("the first certificate names the Ingress host already: %v", names)
	}
	again, againCA, _ := render()
	if string(again) != string(first) || string(againCA) != string(firstCA) {
		t.Error("an upgrade with the same names issued another certificate or CA")
	}

	ingress, ingressCA, ingressBundle := render(`o2ims.ingress.enabled=true`, `o2ims.ingress.host="o2.example.net"`)
	if names := dnsNames(t, ingress); !slices.Contains(names, "o2.example.net") {
		t.Errorf("after turning the Ingress on the serving certificate names %v, not its host o2.example.net", names)
	}
	if string(ingressCA) != string(firstCA) || ingressBundle != firstBundle {
		t.Error("the CA changed with the names: clients and the APIService trusting it would break")
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(firstCA)
	if _, err := parseCert(t, ingress).Verify(x509.VerifyOptions{Roots: pool, DNSName: "o2.example.net"}); err != nil {
		t.Errorf("the new certificate does not verify against the CA clients trust: %v", err)
	}
}

func decodeB64(t *testing.T, v any) []byte {
	t.Helper()
	s, _ := v.(string)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		t.Fatalf("base64 %q: %v", s, err)
	}
	return b
}

func parseCert(t *testing.T, pemBytes []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func dnsNames(t *testing.T, pemBytes []byte) []string { return parseCert(t, pemBytes).DNSNames }
