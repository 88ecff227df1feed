package localstack

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
)

// ClientCert is a PEM client certificate and key kube-apiserver (and so an aggregated server,
// through extension-apiserver-authentication) accepts, and the CA it was signed with.
type ClientCert struct {
	CertPEM []byte
	KeyPEM  []byte
	CAPEM   []byte
}

// TLSCertificate is the pair in the form crypto/tls wants.
func (c ClientCert) TLSCertificate() (tls.Certificate, error) {
	cert, err := tls.X509KeyPair(c.CertPEM, c.KeyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("load client certificate: %w", err)
	}
	return cert, nil
}

// IssueClientCert signs a client certificate for user with groups, signed by the CA given to
// kube-apiserver's --client-ca-file; the certificate identity is independent of the static-token
// users.
func (cp *ControlPlane) IssueClientCert(user string, groups ...string) (ClientCert, error) {
	l, err := cp.clientCA.issue(leafSpec{commonName: user, organizations: groups, usage: x509.ExtKeyUsageClientAuth})
	if err != nil {
		return ClientCert{}, fmt.Errorf("issue client certificate for %s: %w", user, err)
	}
	return ClientCert{CertPEM: l.certPEM, KeyPEM: l.keyPEM, CAPEM: cp.clientCA.certPEM}, nil
}
