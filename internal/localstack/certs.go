package localstack

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certValidity covers the longest local session; certificates are regenerated on every start.
const certValidity = 7 * 24 * time.Hour

// certAuthority is a small CA kept in memory to sign the leaf certificates of one run.
type certAuthority struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
}

func newCertAuthority(commonName string) (*certAuthority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", commonName, err)
	}
	tmpl, err := certTemplate(commonName)
	if err != nil {
		return nil, err
	}
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("self-sign %s: %w", commonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", commonName, err)
	}
	return &certAuthority{cert: cert, key: key, certPEM: encodeCert(der)}, nil
}

// leaf is a certificate and key signed by a certAuthority, PEM-encoded.
type leaf struct {
	certPEM []byte
	keyPEM  []byte
}

type leafSpec struct {
	commonName string
	// organizations become group names when kube-apiserver authenticates a client certificate.
	organizations []string
	dnsNames      []string
	ips           []net.IP
	usage         x509.ExtKeyUsage
}

func (ca *certAuthority) issue(s leafSpec) (*leaf, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key for %s: %w", s.commonName, err)
	}
	tmpl, err := certTemplate(s.commonName)
	if err != nil {
		return nil, err
	}
	tmpl.Subject.Organization = s.organizations
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{s.usage}
	tmpl.DNSNames = s.dnsNames
	tmpl.IPAddresses = s.ips
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", s.commonName, err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key for %s: %w", s.commonName, err)
	}
	return &leaf{certPEM: encodeCert(der), keyPEM: keyPEM}, nil
}

func (l *leaf) write(certPath, keyPath string) error {
	if err := writeFile(certPath, l.certPEM, 0o644); err != nil {
		return err
	}
	return writeFile(keyPath, l.keyPEM, 0o600)
}

// writeServiceAccountKey writes the key kube-apiserver signs and verifies service account tokens
// with; it refuses to start without one even though the e2e tier authenticates with static tokens.
func writeServiceAccountKey(path string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate service account key: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return fmt.Errorf("encode service account key: %w", err)
	}
	return writeFile(path, keyPEM, 0o600)
}

func certTemplate(commonName string) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial for %s: %w", commonName, err)
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName},
		// Clock skew between this process and the children is nil, but a minute of slack costs
		// nothing and avoids "not yet valid" surprises on a VM that adjusted its clock.
		NotBefore: now.Add(-time.Minute),
		NotAfter:  now.Add(certValidity),
	}, nil
}

func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// encodeKey uses SEC 1 ("EC PRIVATE KEY") rather than PKCS #8 because kube-apiserver's
// --service-account-key-file parser only accepts EC keys in that form.
func encodeKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

func writeFile(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.WriteFile(path, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
