package smoreg

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/notify"
)

const (
	oCloudID = "262c8f17-52b5-4614-9e56-812ae21fa8a7"
	globalID = "8b7d2f4e-5a9c-4e1b-b3d6-0f2a7c9e1d45"
	otherID  = "0f6a1c2e-3b4d-4e5f-8a9b-1c2d3e4f5a6b"
	imsEP    = "https://o2ims.example.net"
)

// smo is a fake SMO registration endpoint: it answers 500 (with a hostile body) to the first
// failFirst requests, 204 afterwards, and records every body.
type smo struct {
	srv       *httptest.Server
	mu        sync.Mutex
	failFirst int
	got       []Notification
	headers   []http.Header
}

func newSMO(t *testing.T, failFirst int) *smo {
	s := &smo{failFirst: failFirst}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var n Notification
		if err := json.Unmarshal(raw, &n); err != nil || r.Method != http.MethodPost {
			t.Errorf("%s %s", r.Method, raw)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.got = append(s.got, n)
		s.headers = append(s.headers, r.Header.Clone())
		if len(s.got) <= s.failFirst {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "\x1b[31mdown\x1b[0m "+strings.Repeat("x", 4000))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *smo) received() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.got...)
}

type fixture struct {
	a       *Announcer
	clk     *clocktesting.FakeClock
	client  *fake.Clientset
	indexer cache.Indexer
	smo     *smo
	reg     compbasemetrics.KubeRegistry
}

func newFixture(t *testing.T, failFirst int, configuredEP string) *fixture {
	t.Helper()
	o := &v1alpha1.OCloud{
		ObjectMeta: metav1.ObjectMeta{Name: "default", Generation: 1},
		Spec:       v1alpha1.OCloudSpec{OCloudID: oCloudID, GlobalCloudID: globalID, Name: "c", ServiceURI: imsEP},
	}
	f := &fixture{clk: clocktesting.NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), client: fake.NewSimpleClientset(o.DeepCopy()), smo: newSMO(t, failFirst)}
	f.indexer = cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	if err := f.indexer.Add(o); err != nil {
		t.Fatal(err)
	}
	f.reg = compbasemetrics.NewKubeRegistry()
	m, err := NewMetrics(f.reg)
	if err != nil {
		t.Fatal(err)
	}
	// The notifier's client, with loopback allowed for the test server.
	policy := &notify.CallbackPolicy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	f.a = New(Config{
		URL: f.smo.srv.URL + "/smo/v1/ocloud-registration?token=secret", HTTP: notify.NewHTTPClient(notify.ClientConfig{Policy: policy, Timeout: 5 * time.Second}),
		Timeout: 5 * time.Second, RetryBase: time.Second, RetryMax: 4 * time.Second, IMSEndpoint: configuredEP,
		Client: f.client, Metrics: m, Clock: f.clk,
	}, listers.NewOCloudLister(f.indexer))
	return f
}

// status is the OCloud's status as stored (written through the status subresource).
func (f *fixture) status(t *testing.T) v1alpha1.OCloudStatus {
	t.Helper()
	o, err := f.client.O2imsV1alpha1().OClouds().Get(context.Background(), "default", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return o.Status
}

// edit changes the OCloud as the informer would then see it.
func (f *fixture) edit(t *testing.T, change func(*v1alpha1.OCloud)) {
	t.Helper()
	obj, _, _ := f.indexer.GetByKey("default")
	o := obj.(*v1alpha1.OCloud).DeepCopy()
	change(o)
	if err := f.indexer.Update(o); err != nil {
		t.Fatal(err)
	}
}

func TestFailureThenSuccessWithBackoff(t *testing.T) {
	f := newFixture(t, 2, "")
	ctx := context.Background()

	if wait := f.a.Sync(ctx); wait != time.Second {
		t.Fatalf("first failure: retry in %s, want 1s", wait)
	}
	st := f.status(t)
	c := meta.FindStatusCondition(st.Conditions, v1alpha1.OCloudSMORegistered)
	if c == nil || c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.ReasonSMORegistrationFailed {
		t.Fatalf("after a failure: condition %+v", c)
	}
	if !strings.Contains(c.Message, "503") || strings.Contains(c.Message, "\x1b") || len(c.Message) > 512 || strings.Contains(c.Message, "secret") {
		t.Errorf("failure message not bounded, sanitised and redacted: %q", c.Message)
	}
	if r := st.SMORegistration; r == nil || r.ConsecutiveFailures != 1 || r.LastAttemptTime == nil || r.LastSuccessTime != nil ||
		r.GlobalCloudID != globalID || r.IMSEndpoint != imsEP || strings.Contains(r.Endpoint, "secret") {
		t.Errorf("after a failure: smoRegistration %+v", r)
	}

	// Not due yet: nothing is sent, however often Sync runs (no hot loop).
	for range 3 {
		if wait := f.a.Sync(ctx); wait != time.Second {
			t.Fatalf("before the retry is due: wait %s", wait)
		}
	}
	if n := len(f.smo.received()); n != 1 {
		t.Fatalf("%d requests before the retry was due, want 1", n)
	}

	f.clk.Step(time.Second)
	if wait := f.a.Sync(ctx); wait != 2*time.Second {
		t.Fatalf("second failure: retry in %s, want 2s (doubled)", wait)
	}
	f.clk.Step(1999 * time.Millisecond)
	if wait := f.a.Sync(ctx); wait != time.Millisecond || len(f.smo.received()) != 2 {
		t.Fatalf("1ms early: wait %s, %d requests", wait, len(f.smo.received()))
	}
	f.clk.Step(time.Millisecond)
	if wait := f.a.Sync(ctx); wait != 0 {
		t.Fatalf("after the success: wait %s, want none", wait)
	}
	got := f.smo.received()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	want := Notification{GlobalCloudID: globalID, OCloudID: oCloudID, IMSEndpoint: imsEP}
	for i, n := range got {
		if n != want {
			t.Errorf("request %d: %+v, want %+v", i, n, want)
		}
	}
	if ct := f.smo.headers[2].Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	st = f.status(t)
	c = meta.FindStatusCondition(st.Conditions, v1alpha1.OCloudSMORegistered)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonSMORegistered {
		t.Fatalf("after the success: condition %+v", c)
	}
	if r := st.SMORegistration; r == nil || r.ConsecutiveFailures != 0 || r.LastSuccessTime == nil || !r.LastSuccessTime.Time.Equal(f.clk.Now()) {
		t.Errorf("after the success: smoRegistration %+v", r)
	}

	// Registered and unchanged: nothing more is sent.
	f.clk.Step(time.Hour)
	f.a.Sync(ctx)
	if n := len(f.smo.received()); n != 3 {
		t.Errorf("%d requests after registering, want 3", n)
	}

	if err := testutil.GatherAndCompare(f.reg, strings.NewReader(`
# HELP netweave_smo_registration_attempts_total [ALPHA] OCloudAvailableNotification POSTs to the SMO's registration endpoint, by result (success, failure).
# TYPE netweave_smo_registration_attempts_total counter
netweave_smo_registration_attempts_total{result="failure"} 2
netweave_smo_registration_attempts_total{result="success"} 1
`), "netweave_smo_registration_attempts_total"); err != nil {
		t.Error(err)
	}
}

func TestBackoffIsCapped(t *testing.T) {
	f := newFixture(t, 100, "")
	ctx := context.Background()
	for i, want := range []time.Duration{1, 2, 4, 4, 4} {
		wait := f.a.Sync(ctx)
		if wait != want*time.Second {
			t.Fatalf("failure %d: retry in %s, want %s", i+1, wait, want*time.Second)
		}
		f.clk.Step(wait)
	}
	if r := f.status(t).SMORegistration; r == nil || r.ConsecutiveFailures != 5 {
		t.Errorf("smoRegistration %+v, want 5 consecutive failures", r)
	}
}

func TestReannounceOnlyOnChange(t *testing.T) {
	f := newFixture(t, 0, "")
	ctx := context.Background()
	f.a.Sync(ctx)
	if n := len(f.smo.received()); n != 1 {
		t.Fatalf("%d announcements at start, want 1", n)
	}

	// Neither the description, nor the status written by the announcer, is announced.
	f.edit(t, func(o *v1alpha1.OCloud) { o.Spec.Description = "changed"; o.Status.Conditions = nil })
	f.a.Sync(ctx)
	if n := len(f.smo.received()); n != 1 {
		t.Fatalf("%d announcements after an unrelated change, want 1", n)
	}

	f.edit(t, func(o *v1alpha1.OCloud) { o.Spec.GlobalCloudID = otherID })
	f.a.Sync(ctx)
	got := f.smo.received()
	if len(got) != 2 || got[1].GlobalCloudID != otherID {
		t.Fatalf("after a globalCloudId change: %+v", got)
	}
	if r := f.status(t).SMORegistration; r == nil || r.GlobalCloudID != otherID {
		t.Errorf("status after the change: %+v", r)
	}

	f.edit(t, func(o *v1alpha1.OCloud) { o.Spec.ServiceURI = "https://o2ims-2.example.net" })
	f.a.Sync(ctx)
	got = f.smo.received()
	if len(got) != 3 || got[2].IMSEndpoint != "https://o2ims-2.example.net" {
		t.Fatalf("after an IMS endpoint change: %+v", got)
	}
	f.a.Sync(ctx)
	if n := len(f.smo.received()); n != 3 {
		t.Errorf("%d announcements, want 3", n)
	}
}

func TestConfiguredIMSEndpointWins(t *testing.T) {
	f := newFixture(t, 0, "https://configured.example.net")
	f.a.Sync(context.Background())
	if got := f.smo.received(); len(got) != 1 || got[0].IMSEndpoint != "https://configured.example.net" {
		t.Fatalf("%+v", got)
	}
}

func TestIncompleteOCloudIsNotAnnounced(t *testing.T) {
	f := newFixture(t, 0, "")
	f.edit(t, func(o *v1alpha1.OCloud) { o.Spec.GlobalCloudID = "" })
	ctx := context.Background()
	for range 3 {
		if wait := f.a.Sync(ctx); wait != 0 {
			t.Fatalf("wait %s for an O-Cloud that cannot be announced", wait)
		}
	}
	if n := len(f.smo.received()); n != 0 {
		t.Fatalf("%d announcements without a globalCloudId", n)
	}
	c := meta.FindStatusCondition(f.status(t).Conditions, v1alpha1.OCloudSMORegistered)
	if c == nil || c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, "globalCloudId") {
		t.Fatalf("condition %+v", c)
	}
	f.edit(t, func(o *v1alpha1.OCloud) { o.Spec.GlobalCloudID = globalID })
	f.a.Sync(ctx)
	if n := len(f.smo.received()); n != 1 {
		t.Fatalf("%d announcements once the globalCloudId is set, want 1", n)
	}
}

// The notifier's address policy applies: a registration endpoint on loopback is refused
// unless allowed, and redirects are not followed.
func TestOutboundProtections(t *testing.T) {
	f := newFixture(t, 0, "")
	f.a.cfg.HTTP = notify.NewHTTPClient(notify.ClientConfig{Policy: &notify.CallbackPolicy{}, Timeout: time.Second})
	f.a.Sync(context.Background())
	if n := len(f.smo.received()); n != 0 {
		t.Fatalf("loopback endpoint reached despite the policy")
	}
	c := meta.FindStatusCondition(f.status(t).Conditions, v1alpha1.OCloudSMORegistered)
	// The class of the refusal, not the address refused (TestRegressionStatusMessageLeaksDialAddresses).
	if c == nil || !strings.Contains(c.Message, notify.FailureAddressRefused) {
		t.Fatalf("condition %+v", c)
	}

	target := newSMO(t, 0)
	redirector := httptest.NewServer(http.RedirectHandler(target.srv.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirector.Close)
	g := newFixture(t, 0, "")
	g.a.cfg.URL = redirector.URL
	g.a.Sync(context.Background())
	if n := len(target.received()); n != 0 {
		t.Fatalf("redirect followed")
	}
	if c := meta.FindStatusCondition(g.status(t).Conditions, v1alpha1.OCloudSMORegistered); c == nil || c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, "307") {
		t.Fatalf("condition after a redirect %+v", c)
	}
}

func TestExcerpt(t *testing.T) {
	if got := Excerpt([]byte("  ")); got != "" {
		t.Errorf("blank: %q", got)
	}
	got := Excerpt([]byte("\x1b[2Jé" + strings.Repeat("é", 300)))
	if strings.ContainsAny(got, "\x1b") || len(got) > excerptBytes+8 || !strings.HasSuffix(got, `…"`) {
		t.Errorf("excerpt %q", got)
	}
}

// TestRegressionExcerptKeepsAnswerWithInvalidByte: to avoid cutting a character in two, the
// excerpt dropped bytes from its end until what remained was valid UTF-8. An answer longer
// than the excerpt with one invalid byte near its start (a Latin-1 error page: "Ungültig")
// never becomes valid that way: the excerpt came out empty, and the OCloud's status and the
// log said "the SMO answered 400 Bad Request" without a word of what the SMO said.
func TestRegressionExcerptKeepsAnswerWithInvalidByte(t *testing.T) {
	got := Excerpt([]byte("Ung\xfcltige globalCloudId: " + strings.Repeat("x", 300)))
	if !strings.Contains(got, "ltige globalCloudId") || !strings.HasSuffix(got, `…"`) || len(got) > excerptBytes+8 {
		t.Errorf("excerpt %q", got)
	}
	// A character cut at the bound is still dropped, not shown in part.
	got = Excerpt([]byte(strings.Repeat("x", excerptBytes-1) + "é" + strings.Repeat("y", 10)))
	if want := `"` + strings.Repeat("x", excerptBytes-1) + `…"`; got != want {
		t.Errorf("cut character: %q, want %q", got, want)
	}
}
