package o2rest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	certutil "k8s.io/client-go/util/cert"
)

// TestServeTLSOptions: the O2 listener applies the API server's TLS settings — TLS 1.3 only
// when configured so — and, when asked, refuses handshakes without a client certificate.
func TestServeTLSOptions(t *testing.T) {
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey("localhost", []net.IP{net.ParseIP("127.0.0.1")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	provider, err := dynamiccertificates.NewStaticCertKeyContent("test", certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	clientCert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	listening := make(chan struct{})
	go func() {
		done <- Serve(ctx, ServingOptions{Address: addr, Cert: provider, MinVersion: tls.VersionTLS13, RequireClientCert: true},
			http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }), func() { close(listening) })
	}()
	<-listening
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()

	get := func(cfg *tls.Config) error {
		cfg.RootCAs = pool
		cfg.ServerName = "localhost"
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
		resp, err := c.Get("https://" + addr + "/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return errors.New("status " + strconv.Itoa(resp.StatusCode))
		}
		return nil
	}
	withCert := func() *tls.Config { return &tls.Config{Certificates: []tls.Certificate{clientCert}} }
	if err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return get(withCert()) == nil, nil
	}); err != nil {
		t.Fatalf("client with a certificate never served: %v", get(withCert()))
	}
	if err := get(&tls.Config{}); err == nil {
		t.Error("a client without a certificate was served")
	}
	tls12 := withCert()
	tls12.MaxVersion = tls.VersionTLS12
	if err := get(tls12); err == nil {
		t.Error("a TLS 1.2 client was served with MinVersion TLS 1.3")
	}
}
