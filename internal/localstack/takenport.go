package localstack

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

// takenPortAttempts is how many ports a start tries before it gives up.
const takenPortAttempts = 3

// retryTakenPort calls start until it succeeds, or fails otherwise than by losing its port. A
// port FreePort found free can be taken before the process binds it; the process then exits
// saying so, and another port is tried rather than failing the whole stack. start returns what
// it started, the process (also when it failed, once started) and where the process's output
// of this run begins in its appended log (logEnd before the start).
func retryTakenPort[T any](start func() (T, *Process, int64, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		v, proc, logStart, err := start()
		if err == nil {
			return v, nil
		}
		if attempt == takenPortAttempts || proc == nil || !exited(proc) || !proc.logSaysAddrInUse(logStart) {
			var zero T
			return zero, err
		}
	}
}

// logEnd is the size of the log at path, 0 when there is none yet: where the output of the
// next run begins, as runs append to the log.
func logEnd(path string) int64 {
	if fi, err := os.Stat(path); err == nil {
		return fi.Size()
	}
	return 0
}

// pinnedToCertFile is a TLS client configuration that accepts one server certificate: the
// first in the PEM file at path, read at every handshake (the server writes it as it starts).
// A probe of a server that generates its own certificate thereby talks to that server only,
// not to another that took its port first.
func pinnedToCertFile(path string) *tls.Config {
	return &tls.Config{
		// Verified below, against the file instead of a CA.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
			data, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("the server's own certificate: %w", err)
			}
			block, _ := pem.Decode(data)
			if block == nil {
				return fmt.Errorf("the server's own certificate: no PEM block in %s", path)
			}
			if len(rawCerts) == 0 || !bytes.Equal(rawCerts[0], block.Bytes) {
				return fmt.Errorf("answered by another server: its certificate is not the one in %s", path)
			}
			return nil
		},
	}
}
