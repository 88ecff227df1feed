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
	"sync"
	"time"

	"k8s.io/klog/v2"
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
// now, so that a missing or bad file stops the start rather than the first connection. A
// client certificate that has expired, or is not valid yet, is logged to logger as a warning,
// at start and when a handshake finds it so, once per certificate: servers that verify it
// refuse every connection with a bare "bad certificate" alert, and nothing else here says why.
func (f Files) Config(logger klog.Logger) (*tls.Config, error) {
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
		c := &clientCertificate{files: f, logger: logger}
		if _, err := c.get(nil); err != nil {
			return nil, err
		}
		cfg.GetClientCertificate = c.get
	}
	return cfg, nil
}

// clientCertificate is the GetClientCertificate of one configuration.
type clientCertificate struct {
	files  Files
	logger klog.Logger
	// now is the clock validity is judged by (time.Now when nil).
	now func() time.Time

	mu sync.Mutex
	// warned is the serial number of the last certificate logged as not valid now.
	warned string
}

// get loads the client certificate and its key from their files, and presents
// it only to a server that may accept it, as crypto/tls does for Config.Certificates: a server
// that names the CAs it accepts (its CertificateRequest) gets no certificate when ours is not
// issued by one of them. The notifier's callbacks are URLs tenants choose; without the check
// every such server that asks for a client certificate was shown netweave's, names and all.
func (c *clientCertificate) get(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
	f := c.files
	cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.CertFlag, err)
	}
	c.checkValidity(cert.Leaf)
	if cri != nil && cri.SupportsCertificate(&cert) != nil {
		return &tls.Certificate{}, nil
	}
	return &cert, nil
}

// checkValidity warns, once per certificate, when leaf is not valid now. It is still
// presented: a server that asks for a certificate without verifying it accepts it as before.
func (c *clientCertificate) checkValidity(leaf *x509.Certificate) {
	if leaf == nil {
		return
	}
	now := time.Now()
	if c.now != nil {
		now = c.now()
	}
	if !now.After(leaf.NotAfter) && !now.Before(leaf.NotBefore) {
		return
	}
	serial := leaf.SerialNumber.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.warned == serial {
		return
	}
	c.warned = serial
	c.logger.Error(nil, "WARNING: the client certificate is not valid now; servers that verify it refuse every connection until it is renewed on disk",
		"flag", c.files.CertFlag, "file", c.files.CertFile, "notBefore", leaf.NotBefore, "notAfter", leaf.NotAfter)
}
