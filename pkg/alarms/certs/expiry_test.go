package certs

import (
	"context"
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
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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

// TestRegressionAbsurdCertificateDatesAreUnrecordable: a certificate may claim any validity
// from year 0 to 9999. One that expired in year 0 began its fault (its expiry less the warning
// window) in year -1, which RFC 3339 cannot write: the alarm went to the API server with an
// alarmRaisedTime it could not decode, was refused, and, as for any refused alarm, no Secret
// after it was reported and no certificate alarm cleared. A certificate not valid before year
// 9999 that replaced an expiring one cleared the alarm dated then, so that the alarm, raised
// again, was dated in year 9999 too. The fault now begins no earlier than year 0, and a
// renewal ends it no later than when it is seen.
func TestRegressionAbsurdCertificateDatesAreUnrecordable(t *testing.T) {
	year0 := time.Date(0, time.January, 1, 0, 0, 0, 0, time.UTC)
	s := secret("api-tls", pemCertOf(t, &x509.Certificate{Subject: pkix.Name{CommonName: "old"},
		NotBefore: year0, NotAfter: year0.Add(time.Hour)}), nil)
	f := newFixture(t, s)
	f.run()
	active := f.sync(1)
	if len(active) != 1 {
		t.Fatalf("active %v, want the expired certificate", active)
	}
	rec, err := recordOf(t, active[0])
	if err != nil {
		t.Fatalf("the API refuses the alarm of a certificate that expired in year 0: %v", err)
	}
	if raised := rec.Status.AlarmRaisedTime; raised == nil || raised.Year() != 0 {
		t.Errorf("alarm of a certificate that expired in year 0 raised at %v, want in year 0", raised)
	}

	future := s.DeepCopy()
	future.Data[corev1.TLSCertKey] = pemCertOf(t, &x509.Certificate{Subject: pkix.Name{CommonName: "future"},
		NotBefore: time.Date(9999, time.January, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC)})
	if _, err := f.client.CoreV1().Secrets("ingress").Update(context.Background(), future, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if active := f.sync(2); len(active) != 0 {
		t.Fatalf("active %v after the renewal", active)
	}
	if o, _ := f.sink.Latest("uid-api-tls"); o.Active || o.Since.After(now) {
		t.Errorf("renewal reported %+v, want inactive no later than now (%v)", o, now)
	}
}
