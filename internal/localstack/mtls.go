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
	f, _, err := writeMutualTLSFiles(dir)
	return f, err
}

// writeMutualTLSFiles is WriteMutualTLSFiles, also returning the CA.
func writeMutualTLSFiles(dir string) (MutualTLSFiles, *certAuthority, error) {
	ca, err := newCertAuthority("netweave-test-ca")
	if err != nil {
		return MutualTLSFiles{}, nil, err
	}
	f := MutualTLSFiles{
		CAFile:         filepath.Join(dir, "ca.crt"),
		ServerCertFile: filepath.Join(dir, "server.crt"),
		ServerKeyFile:  filepath.Join(dir, "server.key"),
		ClientCertFile: filepath.Join(dir, "client.crt"),
		ClientKeyFile:  filepath.Join(dir, "client.key"),
	}
	if err := writeFile(f.CAFile, ca.certPEM, 0o644); err != nil {
		return f, nil, err
	}
	server, err := ca.issue(leafSpec{commonName: "localhost", dnsNames: []string{"localhost"},
		ips: []net.IP{net.ParseIP("127.0.0.1")}, usage: x509.ExtKeyUsageServerAuth})
	if err != nil {
		return f, nil, err
	}
	if err := server.write(f.ServerCertFile, f.ServerKeyFile); err != nil {
		return f, nil, fmt.Errorf("write server certificate: %w", err)
	}
	client, err := ca.issue(leafSpec{commonName: "netweave", usage: x509.ExtKeyUsageClientAuth})
	if err != nil {
		return f, nil, err
	}
	if err := client.write(f.ClientCertFile, f.ClientKeyFile); err != nil {
		return f, nil, fmt.Errorf("write client certificate: %w", err)
	}
	return f, ca, nil
}

// ServerCertFiles are a server certificate and its key, written as PEM files.
type ServerCertFiles struct {
	CertFile, KeyFile string
}

// WriteMutualTLSFilesFor is WriteMutualTLSFiles with, besides, a server certificate for each
// DNS name of names (and no IP address), signed by the same CA and written beside the others:
// for servers a client reaches at 127.0.0.1 but verifies under a name of their own
// (--redis-tls-server-name).
func WriteMutualTLSFilesFor(dir string, names ...string) (MutualTLSFiles, map[string]ServerCertFiles, error) {
	f, ca, err := writeMutualTLSFiles(dir)
	if err != nil {
		return f, nil, err
	}
	out := map[string]ServerCertFiles{}
	for _, name := range names {
		l, err := ca.issue(leafSpec{commonName: name, dnsNames: []string{name}, usage: x509.ExtKeyUsageServerAuth})
		if err != nil {
			return f, nil, err
		}
		s := ServerCertFiles{CertFile: filepath.Join(dir, name+".crt"), KeyFile: filepath.Join(dir, name+".key")}
		if err := l.write(s.CertFile, s.KeyFile); err != nil {
			return f, nil, fmt.Errorf("write certificate of %s: %w", name, err)
		}
		out[name] = s
	}
	return f, out, nil
}
