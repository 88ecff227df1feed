package redis

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestRegressionStoreTLSErrorNamesRedisHosts: when netweave's TLS handshake with Redis failed
// (a certificate that does not name the address netweave dials, after a rotation or a
// failover to a node whose certificate names only itself), every request that reached the
// store was answered 500 with crypto/tls's text, "tls: failed to verify certificate: x509:
// certificate is valid for redis-0.ops-internal.example, not redis.netweave.svc": any tenant
// whose request met it read the names of the operator's Redis nodes, which the class-only
// answers to dial and read failures (TestRegressionStoreErrorNamesRedisAddress) were meant to
// keep from it. Nothing was sent to Redis, so it is a 503 like any failure to connect, saying
// the class only; the log keeps the error.
func TestRegressionStoreTLSErrorNamesRedisHosts(t *testing.T) {
	const internalName = "redis-0.ops-internal.example"
	cert, pool := tlsLeakCert(t, internalName, net.IPv4(10, 9, 8, 7))
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// The handshake fails on the client's side; the server only has to take part.
			go func() {
				_ = c.(*tls.Conn).Handshake()
				_ = c.Close()
			}()
		}
	}()
	client := goredis.NewClient(&goredis.Options{
		Addr:       ln.Addr().String(),
		TLSConfig:  &tls.Config{RootCAs: pool, ServerName: "redis.netweave.svc", MinVersion: tls.VersionTLS12},
		MaxRetries: -1,
	})
	t.Cleanup(func() { _ = client.Close() })

	env := newTestEnv(t)
	s := env.newStore(t, withClient(client), withWriteClient(client))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}}
	for what, err := range map[string]error{
		"create": s.Create(ctx, "/pods/ns/p", pod, &example.Pod{}, 0),
		"get":    s.Get(ctx, "/pods/ns/p", storage.GetOptions{}, &example.Pod{}),
	} {
		var st apierrors.APIStatus
		if !errors.As(err, &st) {
			t.Errorf("%s over a failing TLS handshake: %v, want a Status", what, err)
			continue
		}
		msg := st.Status().Message
		for _, leak := range []string{internalName, "10.9.8.7", "x509", ln.Addr().String()} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s over a failing TLS handshake is answered with %q, which names %q", what, msg, leak)
			}
		}
		if st.Status().Code != http.StatusServiceUnavailable {
			t.Errorf("%s over a failing TLS handshake: HTTP %d (%q), want 503: nothing was sent", what, st.Status().Code, msg)
		}
		t.Logf("%s: %s", what, msg)
	}
}

// tlsLeakCert is a self-signed serving certificate for name and ip, and a pool trusting it.
func tlsLeakCert(t *testing.T, name string, ip net.IP) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		IPAddresses:  []net.IP{ip},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(parsed)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: parsed}, pool
}
