package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// pemCertOf is a self-signed certificate with the subject and validity of tmpl.
func pemCertOf(t *testing.T, tmpl *x509.Certificate) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(1)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// recordOf is the record the recorder would create from o, as the API server decodes it from
// the JSON client-go sends (netweave's group serves no protobuf), and checks it.
func recordOf(t *testing.T, o alarms.Observation) (*v1alpha1.AlarmEventRecord, error) {
	t.Helper()
	ids, err := inventory.NewIDs("262c8f17-52b5-4614-9e56-812ae21fa8a7")
	if err != nil {
		t.Fatal(err)
	}
	tr := alarms.Observe(ids, nil, o, alarms.Definition{}, now)
	if tr.Record == nil || !tr.Create {
		t.Fatalf("no alarm raised from %+v", o)
	}
	body, err := json.Marshal(tr.Record)
	if err != nil {
		return nil, err
	}
	var decoded v1alpha1.AlarmEventRecord
	if err := json.Unmarshal(body, &decoded); err != nil {
		return nil, err
	}
	var internal o2ims.AlarmEventRecord
	if err := v1alpha1.Convert_v1alpha1_AlarmEventRecord_To_o2ims_AlarmEventRecord(&decoded, &internal, nil); err != nil {
		t.Fatal(err)
	}
	if errs := validation.ValidateAlarmEventRecord(&internal); len(errs) != 0 {
		return nil, errs.ToAggregate()
	}
	return &decoded, nil
}

// TestRegressionHugeCertificateSubjectIsUnrecordable: a certificate's subject has no size
// limit, but the alarm's extensions do (validation.MaxExtensionsBytes), and the subject went
// into them whole. The API refused the alarm of a certificate with a subject of some 16 KiB
// (less when it JSON-escapes), its check failed at that Secret, and so no Secret after it was
// reported and no certificate alarm was ever cleared, retried for good. The subject is now cut
// to a bound that keeps the alarm within the API's limits.
func TestRegressionHugeCertificateSubjectIsUnrecordable(t *testing.T) {
	// '<' JSON-escapes to six bytes.
	cn := strings.Repeat("<", 20*1024)
	notAfter := now.Add(day)
	f := newFixture(t, secret("api-tls", pemCertOf(t, &x509.Certificate{Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-day), NotAfter: notAfter}), nil))
	f.run()
	active := f.sync(1)
	if len(active) != 1 {
		t.Fatalf("active %v, want the one certificate", active)
	}
	if _, err := recordOf(t, active[0]); err != nil {
		t.Errorf("the API refuses the alarm of a certificate with a long subject: %v", err)
	}
	if s := active[0].Extensions["subject"]; !strings.HasPrefix((pkix.Name{CommonName: cn}).String(), s) || len(s) < 64 {
		t.Errorf("subject extension %.80q… (%d bytes), want the beginning of the subject", s, len(s))
	}
}
