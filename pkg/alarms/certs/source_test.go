package certs

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/alarmstest"
	"github.com/netweave-io/netweave/pkg/alarms/sourcemetrics"
)

var (
	now    = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	day    = 24 * time.Hour
	ocloud = alarms.ObjectRef{Class: "OCloud", ID: "3f7c2a9e-2a7b-4f0e-9d54-1c6f3c8a9b10", Namespace: "o2ims-system"}
)

// pemCert is a self-signed certificate valid from now-1d until notAfter.
func pemCert(t *testing.T, cn string, notAfter time.Time) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-day), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func secret(name string, crt []byte, lbls map[string]string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ingress", Name: name, UID: types.UID("uid-" + name), Labels: lbls},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: crt},
	}
}

type fixture struct {
	t       *testing.T
	client  *fake.Clientset
	sink    *alarmstest.Sink
	clock   *clocktesting.FakeClock
	metrics *sourcemetrics.Metrics
	cfg     Config
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	m, err := sourcemetrics.NewMetrics(metrics.NewKubeRegistry().Register)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, client: fake.NewClientset(objs...), sink: alarmstest.NewSink(), clock: clocktesting.NewFakeClock(now), metrics: m}
	o := NewOptions()
	o.Secrets = []string{"ingress/api-tls"}
	if errs := o.Validate(); len(errs) != 0 {
		t.Fatal(errs)
	}
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	f.cfg = Config{Client: f.client, Object: ocloud, Clock: f.clock, Metrics: m}
	o.Apply(&f.cfg)
	return f
}

func (f *fixture) run() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := New(f.cfg).Run(ctx, f.sink); err != nil {
			f.t.Errorf("Run: %v", err)
		}
	})
	f.t.Cleanup(func() { cancel(); wg.Wait() })
}

// lastSync waits for the n-th Sync and returns its active set.
func (f *fixture) sync(n int) []alarms.Observation {
	f.t.Helper()
	f.sink.WaitFor(f.t, "sync", func() bool { return len(f.sink.Syncs()) >= n })
	return f.sink.Syncs()[n-1]
}

func TestCertificateWithinTheWarningWindow(t *testing.T) {
	notAfter := now.Add(20 * day)
	f := newFixture(t, secret("api-tls", pemCert(t, "api.example", notAfter), nil))
	f.run()
	active := f.sync(1)
	if len(active) != 1 {
		t.Fatalf("active %v, want the one certificate", active)
	}
	o := active[0]
	if o.Definition != "CLUSTER_WARNING" || o.ProbableCause != "CERTIFICATE_EXPIRATION" || o.Severity != alarms.SeverityWarning {
		t.Errorf("got %s/%s severity %d", o.Definition, o.ProbableCause, o.Severity)
	}
	if o.Object != ocloud || o.Key != "uid-api-tls" || !o.Since.Equal(notAfter.Add(-30*day)) || o.Source != Name {
		t.Errorf("object %+v key %q since %v", o.Object, o.Key, o.Since)
	}
	if o.Extensions["secret"] != "ingress/api-tls" || o.Extensions["subject"] != "CN=api.example" {
		t.Errorf("extensions %v", o.Extensions)
	}
}

func TestExpiryApproachesWithoutAnySecretEvent(t *testing.T) {
	notAfter := now.Add(40 * day)
	f := newFixture(t, secret("api-tls", pemCert(t, "api.example", notAfter), nil))
	f.cfg.CheckInterval = day
	f.run()
	if active := f.sync(1); len(active) != 0 {
		t.Fatalf("a certificate 40 days from expiry is active: %v", active)
	}
	if o, ok := f.sink.Latest("uid-api-tls"); !ok || o.Active {
		t.Errorf("the certificate was not reported inactive: %+v", o)
	}
	// 11 days on it is inside the warning window; 34 days on, inside the critical one.
	f.sink.WaitFor(t, "the check ticker", f.clock.HasWaiters)
	f.clock.Step(11 * day)
	if active := f.sync(2); len(active) != 1 || active[0].Severity != alarms.SeverityWarning {
		t.Fatalf("after 11 days: %v", active)
	}
	f.clock.Step(23 * day)
	active := f.sync(3)
	if len(active) != 1 || active[0].Definition != "CLUSTER_CRITICAL" || active[0].Severity != alarms.SeverityCritical {
		t.Fatalf("after 34 days: %v", active)
	}
	if !active[0].Since.Equal(notAfter.Add(-30 * day)) {
		t.Errorf("escalation changed the occurrence: since %v", active[0].Since)
	}
}

func TestRenewedCertificateClears(t *testing.T) {
	s := secret("api-tls", pemCert(t, "api.example", now.Add(3*day)), nil)
	f := newFixture(t, s)
	f.run()
	if active := f.sync(1); len(active) != 1 || active[0].Severity != alarms.SeverityCritical {
		t.Fatalf("3 days from expiry: %v", active)
	}
	renewed := s.DeepCopy()
	renewed.Data[corev1.TLSCertKey] = pemCert(t, "api.example", now.Add(90*day))
	if _, err := f.client.CoreV1().Secrets("ingress").Update(context.Background(), renewed, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if active := f.sync(2); len(active) != 0 {
		t.Errorf("renewed certificate still active: %v", active)
	}
	if o, _ := f.sink.Latest("uid-api-tls"); o.Active || !o.Since.Equal(now.Add(-day)) {
		t.Errorf("renewal reported %+v, want inactive since the new certificate's notBefore", o)
	}
}

func TestGarbageIsCountedNotAlarmed(t *testing.T) {
	f := newFixture(t, secret("api-tls", []byte("not a certificate"), nil))
	f.run()
	if active := f.sync(1); len(active) != 0 {
		t.Errorf("garbage raised %v", active)
	}
	if _, ok := f.sink.Latest("uid-api-tls"); ok {
		t.Error("garbage was reported as an observation")
	}
	// Checked again unchanged, it is not counted again.
	f.sink.WaitFor(t, "the check ticker", f.clock.HasWaiters)
	f.clock.Step(time.Hour)
	f.sync(2)
	n, err := testutil.GetCounterMetricValue(f.metrics.Invalid.WithLabelValues(Name))
	if err != nil || n != 1 {
		t.Errorf("invalid objects = %v, %v; want 1", n, err)
	}
}

func TestOnlyTheNamedAndSelectedSecretsCount(t *testing.T) {
	f := newFixture(t,
		secret("api-tls", pemCert(t, "named", now.Add(day)), nil),
		secret("other-tls", pemCert(t, "unnamed", now.Add(day)), nil),
		secret("labelled-tls", pemCert(t, "selected", now.Add(day)), map[string]string{"watch": "yes"}),
	)
	f.cfg.Selector = labels.SelectorFromSet(labels.Set{"watch": "yes"})
	f.cfg.SelectorNamespace = "ingress"
	f.run()
	var got []string
	for _, o := range f.sync(1) {
		got = append(got, o.Extensions["subject"])
	}
	if len(got) != 2 || got[0] != "CN=named" || got[1] != "CN=selected" {
		t.Errorf("active certificates %v, want CN=named and CN=selected", got)
	}
}

func TestDeletedSecretIsNotActive(t *testing.T) {
	f := newFixture(t, secret("api-tls", pemCert(t, "api.example", now.Add(day)), nil))
	f.run()
	if active := f.sync(1); len(active) != 1 {
		t.Fatalf("active %v", active)
	}
	if err := f.client.CoreV1().Secrets("ingress").Delete(context.Background(), "api-tls", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if active := f.sync(2); len(active) != 0 {
		t.Errorf("deleted secret still active: %v", active)
	}
}

func TestOptions(t *testing.T) {
	o := NewOptions()
	o.Secrets = []string{"no-slash", "Bad_NS/x"}
	o.Selector = "a in ("
	o.Critical = 40 * day
	if errs := o.Validate(); len(errs) != 5 {
		t.Errorf("got %d errors, want 5: %v", len(errs), errs)
	}
	if NewOptions().Enabled() || len(NewOptions().Validate()) != 0 {
		t.Error("the defaults are enabled or invalid")
	}
}

// TestRegressionSelectedSecretsOnlyFromTheOperatorsNamespace: --alarm-certificate-selector
// without a namespace watched every namespace, so a tenant's admin could label a Secret of its
// own with a self-signed certificate expiring tomorrow and raise a CLUSTER_CRITICAL alarm on the
// O-Cloud under a subject it chose, and every tenant's certificate names reached the readers of
// the operator's alarms. The selector now needs its namespace, and looks nowhere else.
func TestRegressionSelectedSecretsOnlyFromTheOperatorsNamespace(t *testing.T) {
	o := NewOptions()
	o.Selector = "controller.cert-manager.io/fao=true"
	errs := o.Validate()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "--alarm-certificate-selector-namespace") {
		t.Errorf("a selector without a namespace: %v, want one error naming --alarm-certificate-selector-namespace", errs)
	}
	o.SelectorNamespace = "ingress"
	if errs := o.Validate(); len(errs) != 0 {
		t.Errorf("a selector with its namespace: %v", errs)
	}

	fao := map[string]string{"controller.cert-manager.io/fao": "true"}
	tenants := secret("forged-tls", pemCert(t, "the O-Cloud is down", now.Add(day)), fao)
	tenants.Namespace, tenants.UID = "tenant-b", "uid-forged"
	for _, ns := range []string{"", "ingress"} {
		f := newFixture(t, tenants, secret("api-tls", pemCert(t, "named", now.Add(day)), nil),
			secret("ingress-tls", pemCert(t, "selected", now.Add(day)), fao))
		f.cfg.Selector = labels.SelectorFromSet(fao)
		f.cfg.SelectorNamespace = ns
		f.run()
		var got []string
		for _, o := range f.sync(1) {
			got = append(got, o.Extensions["subject"])
		}
		want := []string{"CN=named"}
		if ns != "" {
			want = append(want, "CN=selected")
		}
		if !slices.Equal(got, want) {
			t.Errorf("selector namespace %q: active certificates %v, want %v", ns, got, want)
		}
	}
}

// runWithLockedSecret runs the source over ingress/api-tls and the named Secret locked/db-tls,
// which cannot be listed until readable is set, once api-tls's alarm is raised.
func runWithLockedSecret(t *testing.T, readable *atomic.Bool) *fixture {
	t.Helper()
	locked := secret("db-tls", pemCert(t, "db.example", now.Add(day)), nil)
	locked.Namespace = "locked"
	f := newFixture(t, secret("api-tls", pemCert(t, "api.example", now.Add(day)), nil), locked)
	f.client.PrependReactor("list", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == "locked" && !readable.Load() {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "", errors.New("no Role in locked"))
		}
		return false, nil, nil
	})
	f.cfg.Secrets = append(f.cfg.Secrets, types.NamespacedName{Namespace: "locked", Name: "db-tls"})
	f.run()
	f.sink.WaitFor(t, "the readable Secret's alarm", func() bool {
		o, ok := f.sink.Latest("uid-api-tls")
		return ok && o.Active
	})
	return f
}

// TestRegressionUnreadableSecretSilencesEveryCertificateAlarm: the source waited for every
// watched Secret's informer to sync. One Secret netweave may not read (a flag naming a Secret
// in a namespace outside its RBAC) kept it waiting for good: no certificate alarm was raised
// for any Secret, and the log only said it was waiting for caches. The others are now reported
// while it cannot be read; and since its alarm is not among them, the complete set (which
// clears what it lacks) is stated only once it is read.
func TestRegressionUnreadableSecretSilencesEveryCertificateAlarm(t *testing.T) {
	var readable atomic.Bool
	f := runWithLockedSecret(t, &readable)
	readable.Store(true)
	var got []string
	for _, o := range f.sync(1) {
		got = append(got, o.Extensions["secret"])
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"ingress/api-tls", "locked/db-tls"}) {
		t.Errorf("first complete set %v, want both Secrets' alarms (a set stated while locked/db-tls was unread clears its alarm)", got)
	}
}

// TestRegressionDeletedSecretAlarmStaysWhileAnotherIsUnread (found by review): while one watched
// Secret could not be read (a flag naming a Secret outside netweave's RBAC, which may never
// change), the source never stated its complete active set, and the set is what clears the
// alarm of a Secret deleted, no longer selected, or no longer holding a readable certificate:
// such an alarm stayed raised for as long as the other Secret was unreadable, for good when
// the flag was wrong. The alarms this run raised from the Secrets it can read are now cleared
// one by one when their Secret goes, while the complete set still waits for every watch.
func TestRegressionDeletedSecretAlarmStaysWhileAnotherIsUnread(t *testing.T) {
	f := runWithLockedSecret(t, &atomic.Bool{})
	if err := f.client.CoreV1().Secrets("ingress").Delete(context.Background(), "api-tls", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.sink.WaitFor(t, "the deleted Secret's alarm cleared", func() bool {
		o, ok := f.sink.Latest("uid-api-tls")
		return ok && !o.Active
	})
	if o, _ := f.sink.Latest("uid-api-tls"); o.Source != Name || o.Object != ocloud {
		t.Errorf("the clearing observation %+v is not the alarm's (source %s, object %+v)", o, Name, ocloud)
	}
	if n := len(f.sink.Syncs()); n != 0 {
		t.Errorf("%d complete sets stated while locked/db-tls is unread; they would clear its alarm", n)
	}
}

// TestRegressionPreviousLeadersAlarmStaysWhileAnotherSecretIsUnread: while one watched Secret
// could not be read, only the alarms this run raised were cleared when their Secret went; an
// alarm a previous leader raised for a Secret removed meanwhile stayed raised until every
// watch was read, for good when a flag named a Secret outside netweave's RBAC. The Secrets the
// watches read cover are now restated as a part (SyncScope): the previous leader's alarm of a
// named Secret that is read and absent, or of a Secret the selector read no longer lists, is
// cleared; the alarm of the unread Secret, of a Secret no watch read covers, and of one whose
// Secret the alarm does not name, is not.
func TestRegressionPreviousLeadersAlarmStaysWhileAnotherSecretIsUnread(t *testing.T) {
	locked := secret("db-tls", pemCert(t, "db.example", now.Add(day)), nil)
	locked.Namespace = "locked"
	selected := secret("web-tls", pemCert(t, "web.example", now.Add(day)), map[string]string{"cert": "watch"})
	f := newFixture(t, locked, selected)
	f.client.PrependReactor("list", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == "locked" {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "", errors.New("no Role in locked"))
		}
		return false, nil, nil
	})
	// ingress/api-tls is named but was deleted while another replica led.
	f.cfg.Secrets = append(f.cfg.Secrets, types.NamespacedName{Namespace: "locked", Name: "db-tls"})
	f.cfg.Selector, f.cfg.SelectorNamespace = labels.SelectorFromSet(labels.Set{"cert": "watch"}), "ingress"
	f.run()
	f.sink.WaitFor(t, "a restatement of the Secrets read", func() bool { return len(f.sink.ScopedSyncs()) > 0 })
	part := f.sink.ScopedSyncs()[0]
	for _, c := range []struct {
		what, key, secret string
		clears            bool
	}{
		{"the deleted named Secret's", "uid-api-tls-previous", "ingress/api-tls", true},
		{"a Secret the selector no longer lists", "uid-old-web", "ingress/unlabelled", true},
		{"the selected Secret's, still expiring", "uid-web-tls", "ingress/web-tls", false},
		{"the unread Secret's", "uid-db-tls", "locked/db-tls", false},
		{"a Secret in a namespace no watch read covers", "uid-elsewhere", "other/tls", false},
		{"an alarm naming no Secret", "uid-unnamed", "", false},
	} {
		ext := map[string]string{}
		if c.secret != "" {
			ext["secret"] = c.secret
		}
		if got := part.Clears(c.key, ext); got != c.clears {
			t.Errorf("%s alarm (%s): cleared %v, want %v", c.what, c.secret, got, c.clears)
		}
	}
	if n := len(f.sink.Syncs()); n != 0 {
		t.Errorf("%d complete sets stated while locked/db-tls is unread; they would clear its alarm", n)
	}
}
