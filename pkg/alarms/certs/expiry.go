package certs

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/standard"
)

// earliest returns the certificate of the secret's tls.crt that expires first: a chain is only
// as valid as its shortest-lived member, so an expiring intermediate counts as much as the leaf.
func earliest(secret *corev1.Secret) (*x509.Certificate, error) {
	data, ok := secret.Data[corev1.TLSCertKey]
	if !ok {
		return nil, fmt.Errorf("no %s", corev1.TLSCertKey)
	}
	var first *x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", corev1.TLSCertKey, err)
		}
		if first == nil || cert.NotAfter.Before(first.NotAfter) {
			first = cert
		}
	}
	if first == nil {
		return nil, errors.New(corev1.TLSCertKey + " holds no PEM certificate")
	}
	return first, nil
}

// Windows are how long before a certificate's expiry it raises an alarm.
type Windows struct {
	// Warning opens a CLUSTER_WARNING alarm: the certificate still works but will not for
	// long, the spec's "potential impeding service impacts, but … still operational".
	Warning time.Duration
	// Critical escalates it to CLUSTER_CRITICAL: too little time is left to count on a
	// renewal in the normal course, and once expired whatever relies on it fails.
	Critical time.Duration
}

// maxSubject bounds the certificate subject an alarm carries, in bytes: escaped into JSON (up to
// six bytes a byte) next to the Secret's name, it stays within validation.MaxExtensionsBytes,
// over which the API refuses the alarm and the check fails at it for good.
const maxSubject = 1024

// extensionSecret is the alarm extension naming the Secret, namespace/name: what tells, for an
// alarm a previous leader raised, whether a watch read covers its Secret (run.covered).
const extensionSecret = "secret"

// observation states whether cert, the earliest-expiring certificate of secret, is expiring
// at now. The fault begins when the certificate enters the warning window, a time fixed by the
// certificate itself, so re-evaluation and restarts report the same occurrence; a renewed
// certificate ends it when it became valid.
func observation(secret *corev1.Secret, cert *x509.Certificate, obj alarms.ObjectRef, w Windows, now time.Time) alarms.Observation {
	left := cert.NotAfter.Sub(now)
	// The subject is the certificate's, unbounded; the alarm's extensions are not.
	subject := alarms.Cut(cert.Subject.String(), maxSubject)
	// A certificate may claim to expire as early as year 0, and the fault begins before its
	// expiry: a start RFC 3339 cannot write would make an alarm the API server cannot decode.
	since := cert.NotAfter.Add(-w.Warning)
	if floor := time.Date(0, time.January, 1, 0, 0, 0, 0, time.UTC); since.Before(floor) {
		since = floor
	}
	severity := alarms.SeverityWarning
	if left <= w.Critical {
		severity = alarms.SeverityCritical
	}
	verb := "expires"
	if left <= 0 {
		verb = "expired"
	}
	o := alarms.Observation{
		Source:        Name,
		Key:           string(secret.UID),
		Object:        obj,
		Definition:    standard.DefinitionName(standard.NodeCluster, severity),
		ProbableCause: standard.CertificateExpiration,
		Severity:      severity,
		Active:        left <= w.Warning,
		Since:         since,
		Text:          fmt.Sprintf("Certificate %q in Secret %s/%s %s at %s", subject, secret.Namespace, secret.Name, verb, cert.NotAfter.UTC().Format(time.RFC3339)),
		Extensions: map[string]string{
			extensionSecret: secret.Namespace + "/" + secret.Name,
			"subject":       subject,
			"notAfter":      cert.NotAfter.UTC().Format(time.RFC3339),
		},
	}
	if !o.Active {
		o.Since = cert.NotBefore
		if o.Since.After(now) {
			// A certificate not valid yet ends the fault when it is seen, not when it claims
			// to start: an alarm cleared in the future (year 9999, as far as a certificate may
			// say) would be raised again dated then.
			o.Since = now
		}
	}
	return o
}
