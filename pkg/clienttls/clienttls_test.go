package clienttls

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/klog/v2"
	"k8s.io/klog/v2/ktesting"

	"github.com/netweave-io/netweave/internal/localstack"
)

// rotatingFiles are two sets of mutual-TLS files and Files naming a certificate and key in a
// directory of their own (flag --x-cert-file), into which install copies a certificate and
// key (a rotation), returning the certificate's PEM.
func rotatingFiles(t *testing.T) (first, renewed localstack.MutualTLSFiles, f Files, install func(certFile, keyFile string) []byte) {
	t.Helper()
	var err error
	if first, err = localstack.WriteMutualTLSFiles(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if renewed, err = localstack.WriteMutualTLSFiles(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f = Files{CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key"), CertFlag: "--x-cert-file"}
	install = func(certFile, keyFile string) []byte {
		t.Helper()
		for from, to := range map[string]string{certFile: f.CertFile, keyFile: f.KeyFile} {
			b, err := os.ReadFile(from)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(to, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		der, err := os.ReadFile(certFile)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	return first, renewed, f, install
}

// TestClientCertificateReadAtEveryHandshake: the certificate a handshake presents is the one
// in the files at that moment, not the one read when the configuration was built.
func TestClientCertificateReadAtEveryHandshake(t *testing.T) {
	first, renewed, f, install := rotatingFiles(t)
	f.CAFile, f.CAFlag = first.CAFile, "--x-ca-file"
	install(first.ClientCertFile, first.ClientKeyFile)
	cfg, err := f.Config(klog.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RootCAs == nil || cfg.GetClientCertificate == nil {
		t.Fatal("the CA or the client certificate is not configured")
	}
	leaf := func() []byte {
		t.Helper()
		cert, err := cfg.GetClientCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		return cert.Certificate[0]
	}
	before := leaf()
	install(renewed.ClientCertFile, renewed.ClientKeyFile)
	if bytes.Equal(before, leaf()) {
		t.Error("the handshake after the files changed presented the certificate read before")
	}

	// A broken pair fails the handshake naming the flag, not the process.
	if err := os.WriteFile(f.KeyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.GetClientCertificate(nil); err == nil || !strings.Contains(err.Error(), "--x-cert-file") {
		t.Errorf("a broken key file: %v, want an error naming --x-cert-file", err)
	}
	if _, err := f.Config(klog.Background()); err == nil || !strings.Contains(err.Error(), "--x-cert-file") {
		t.Errorf("building with a broken key file: %v, want an error naming --x-cert-file", err)
	}
	if err := os.WriteFile(f.CAFile, []byte("no PEM here"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.CertFile = ""
	if _, err := f.Config(klog.Background()); err == nil || !strings.Contains(err.Error(), "--x-ca-file") {
		t.Errorf("a CA file without certificates: %v, want an error naming --x-ca-file", err)
	}
}

// TestRegressionClientCertificateShownToEveryServer: the certificate was read by a
// GetClientCertificate that returned it whatever the server asked, which loses crypto/tls's
// own choice (it sends none of Config.Certificates that the server's CertificateRequest rules
// out). Every callback server a tenant pointed a subscription at and that asked for a client
// certificate was shown netweave's, names and all, even one that names only other CAs.
func TestRegressionClientCertificateShownToEveryServer(t *testing.T) {
	files, err := localstack.WriteMutualTLSFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Files{CertFile: files.ClientCertFile, KeyFile: files.ClientKeyFile}.Config(klog.Background())
	if err != nil {
		t.Fatal(err)
	}
	own, err := cfg.GetClientCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(own.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	other, err := asn1.Marshal(pkix.Name{CommonName: "tenant-chosen-ca"}.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	request := func(cas ...[]byte) *tls.CertificateRequestInfo {
		return &tls.CertificateRequestInfo{AcceptableCAs: cas, Version: tls.VersionTLS13,
			SignatureSchemes: []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256, tls.PSSWithSHA256, tls.Ed25519}}
	}
	for _, tc := range []struct {
		what string
		cri  *tls.CertificateRequestInfo
		sent bool
	}{
		{"a server that accepts only another CA", request(other), false},
		{"a server that accepts our issuer", request(other, leaf.RawIssuer), true},
		{"a server that names no CA", request(), true},
	} {
		got, err := cfg.GetClientCertificate(tc.cri)
		if err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		if sent := len(got.Certificate) > 0; sent != tc.sent {
			t.Errorf("%s: certificate sent %v, want %v", tc.what, sent, tc.sent)
		}
	}
}

// TestRegressionClientCertificateNotValidNowIsLogged: a client certificate that had expired
// (a rotation that never happened, a clock gone wrong) was presented without a word: servers
// that verify it refused every callback, SMO registration or Redis connection with a bare "bad
// certificate" alert, and nothing netweave logged said why. It is logged once per certificate
// (at start and when a handshake finds it so), and still presented.
func TestRegressionClientCertificateNotValidNowIsLogged(t *testing.T) {
	files, renewed, f, install := rotatingFiles(t)
	logger := ktesting.NewLogger(t, ktesting.NewConfig(ktesting.BufferLogs(true)))
	logged := func() int {
		return strings.Count(logger.GetSink().(ktesting.Underlier).GetBuffer().String(), "client certificate is not valid now")
	}
	install(files.ClientCertFile, files.ClientKeyFile)
	now := time.Now()
	c := &clientCertificate{files: f, logger: logger, now: func() time.Time { return now }}
	if _, err := c.get(nil); err != nil {
		t.Fatal(err)
	}
	if n := logged(); n != 0 {
		t.Fatalf("a valid certificate was logged as not valid %d times", n)
	}

	now = now.AddDate(100, 0, 0)
	for range 2 {
		cert, err := c.get(nil)
		if err != nil || len(cert.Certificate) == 0 {
			t.Fatalf("an expired certificate is not presented: %v", err)
		}
	}
	if n := logged(); n != 1 {
		t.Errorf("an expired certificate at two handshakes was logged %d times, want once", n)
	}
	install(renewed.ClientCertFile, renewed.ClientKeyFile)
	if _, err := c.get(nil); err != nil {
		t.Fatal(err)
	}
	if n := logged(); n != 2 {
		t.Errorf("another expired certificate: logged %d times in all, want 2", n)
	}
	if out := logger.GetSink().(ktesting.Underlier).GetBuffer().String(); !strings.Contains(out, "--x-cert-file") {
		t.Errorf("the warning does not name the flag: %s", out)
	}
}
