package localstack

import (
	"crypto/x509"
	"fmt"
	"net"
	"path/filepath"
)

// FrontProxyClientName is the CN of the client certificate kube-apiserver presents to aggregated
// servers; it must be in --requestheader-allowed-names or the X-Remote-User headers are ignored.
const FrontProxyClientName = "front-proxy-client"

// AggregatedServiceHost is the name the aggregator verifies the aggregated server's certificate
// against: <service>.<namespace>.svc of the APIService's service.
const AggregatedServiceHost = APIServiceServiceName + "." + APIServiceNamespace + ".svc"

// ServingCert is the certificate an aggregated server (netweave) serves with, and the CA bundle
// that the APIService carries so the aggregator can verify it without insecureSkipTLSVerify.
type ServingCert struct {
	CertFile string
	KeyFile  string
	CABundle []byte
}

// pkiFiles are the files kube-apiserver is pointed at.
type pkiFiles struct {
	clientCA             string
	clientCAKeys         *certAuthority
	frontProxyCA         string
	frontProxyClientCert string
	frontProxyClientKey  string
	serviceAccountKey    string
	serving              ServingCert
}

func writePKI(dir string) (*pkiFiles, error) {
	f := &pkiFiles{
		clientCA:             filepath.Join(dir, "client-ca.crt"),
		frontProxyCA:         filepath.Join(dir, "front-proxy-ca.crt"),
		frontProxyClientCert: filepath.Join(dir, "front-proxy-client.crt"),
		frontProxyClientKey:  filepath.Join(dir, "front-proxy-client.key"),
		serviceAccountKey:    filepath.Join(dir, "service-account.key"),
		serving: ServingCert{
			CertFile: filepath.Join(dir, "aggregated-serving.crt"),
			KeyFile:  filepath.Join(dir, "aggregated-serving.key"),
		},
	}

	// Without --client-ca-file, extension-apiserver-authentication lacks client-ca-file and
	// aggregated servers log an error every few seconds; it also lets tests authenticate with
	// client certificates (IssueClientCert), as SMOs do against the O2 face.
	clientCA, err := newCertAuthority("netweave-e2e-client-ca")
	if err != nil {
		return nil, fmt.Errorf("client CA: %w", err)
	}
	if err := writeFile(f.clientCA, clientCA.certPEM, 0o644); err != nil {
		return nil, err
	}
	f.clientCAKeys = clientCA

	frontProxyCA, err := newCertAuthority("netweave-e2e-front-proxy-ca")
	if err != nil {
		return nil, fmt.Errorf("front-proxy CA: %w", err)
	}
	if err := writeFile(f.frontProxyCA, frontProxyCA.certPEM, 0o644); err != nil {
		return nil, err
	}
	client, err := frontProxyCA.issue(leafSpec{commonName: FrontProxyClientName, usage: x509.ExtKeyUsageClientAuth})
	if err != nil {
		return nil, fmt.Errorf("front-proxy client: %w", err)
	}
	if err := client.write(f.frontProxyClientCert, f.frontProxyClientKey); err != nil {
		return nil, err
	}

	// A CA distinct from the leaf, as in a real deployment, so the aggregator verifies a chain
	// the way it will in a cluster rather than trusting one pinned self-signed certificate.
	servingCA, err := newCertAuthority("netweave-e2e-serving-ca")
	if err != nil {
		return nil, fmt.Errorf("serving CA: %w", err)
	}
	serving, err := servingCA.issue(leafSpec{
		commonName: AggregatedServiceHost,
		dnsNames:   []string{AggregatedServiceHost, "localhost"},
		ips:        []net.IP{net.IPv4(127, 0, 0, 1)},
		usage:      x509.ExtKeyUsageServerAuth,
	})
	if err != nil {
		return nil, fmt.Errorf("aggregated serving cert: %w", err)
	}
	if err := serving.write(f.serving.CertFile, f.serving.KeyFile); err != nil {
		return nil, err
	}
	f.serving.CABundle = servingCA.certPEM

	if err := writeServiceAccountKey(f.serviceAccountKey); err != nil {
		return nil, err
	}
	return f, nil
}
