package localstack

import (
	"crypto/x509"
	"fmt"
	"net"
	"path/filepath"
)

// MutualTLSFiles are a CA, a server certificate for 127.0.0.1/localhost and a client
// certificate signed by that CA, written as PEM files: enough to run a TLS-only server (Redis
// with --tls-port) and a client that verifies it and authenticates to it.
type MutualTLSFiles struct {
	CAFile, ServerCertFile, ServerKeyFile, ClientCertFile, ClientKeyFile string
}

// WriteMutualTLSFiles creates the files in dir.
func WriteMutualTLSFiles(dir string) (MutualTLSFiles, error) {
	ca, err := newCertAuthority("netweave-test-ca")
	if err != nil {
		return MutualTLSFiles{}, err
	}
	f := MutualTLSFiles{
		CAFile:         filepath.Join(dir, "ca.crt"),
		ServerCertFile: filepath.Join(dir, "server.crt"),
		ServerKeyFile:  filepath.Join(dir, "server.key"),
		ClientCertFile: filepath.Join(dir, "client.crt"),
		ClientKeyFile:  filepath.Join(dir, "client.key"),
	}
	if err := writeFile(f.CAFile, ca.certPEM, 0o644); err != nil {
		return f, err
	}
	server, err := ca.issue(leafSpec{commonName: "localhost", dnsNames: []string{"localhost"},
		ips: []net.IP{net.ParseIP("127.0.0.1")}, usage: x509.ExtKeyUsageServerAuth})
	if err != nil {
		return f, err
	}
	if err := server.write(f.ServerCertFile, f.ServerKeyFile); err != nil {
		return f, fmt.Errorf("write server certificate: %w", err)
	}
	client, err := ca.issue(leafSpec{commonName: "netweave", usage: x509.ExtKeyUsageClientAuth})
	if err != nil {
		return f, err
	}
	if err := client.write(f.ClientCertFile, f.ClientKeyFile); err != nil {
		return f, fmt.Errorf("write client certificate: %w", err)
	}
	return f, nil
}
