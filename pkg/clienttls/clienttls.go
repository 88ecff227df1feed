// Package clienttls builds the TLS configuration of netweave's outbound clients (the
// notifier's callbacks, the SMO registration, Redis) from files. The client certificate is
// read again at every handshake that asks for one, so a certificate renewed on disk (a Secret
// updated in place, cert-manager's rotation) is presented from the next connection on; one
// loaded once would expire under a running process and fail every reconnect after.
package clienttls

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// Files name the files of a client's TLS configuration, each optional, and the flags that set
// them, which errors name.
type Files struct {
	CAFile, CertFile, KeyFile string
	// CAFlag and CertFlag are the flags of CAFile and CertFile (e.g. "--notifier-ca-file").
	CAFlag, CertFlag string
}

// Config is the TLS configuration: TLS 1.2 at least, the CA bundle as roots when given (the
// system roots otherwise; read once), and the client certificate when given. Both are read
// now, so that a missing or bad file stops the start rather than the first connection.
func (f Files) Config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.CAFlag, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s %s holds no PEM certificate", f.CAFlag, f.CAFile)
		}
		cfg.RootCAs = pool
	}
	if f.CertFile != "" {
		if _, err := f.clientCertificate(nil); err != nil {
			return nil, err
		}
		cfg.GetClientCertificate = f.clientCertificate
	}
	return cfg, nil
}

// clientCertificate loads the client certificate and its key from their files, and presents
// it only to a server that may accept it, as crypto/tls does for Config.Certificates: a server
// that names the CAs it accepts (its CertificateRequest) gets no certificate when ours is not
// issued by one of them. The notifier's callbacks are URLs tenants choose; without the check
// every such server that asks for a client certificate was shown netweave's, names and all.
func (f Files) clientCertificate(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.CertFlag, err)
	}
	if cri != nil && cri.SupportsCertificate(&cert) != nil {
		return &tls.Certificate{}, nil
	}
	return &cert, nil
}
