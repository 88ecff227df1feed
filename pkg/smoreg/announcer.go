// Package smoreg registers the O-Cloud with the SMO: it POSTs an OCloudAvailableNotification
// (O-RAN O2ims_InfrastructureLifecycleManagement, O2ims interface v10 clause 2.1.6.2.1; body
// per the O-Cloud information model, clause 4.2.1.4.9: globalCloudId, oCloudId, IMS_EP) to the
// registration endpoint the operator configured, when it starts leading and again whenever
// the O-Cloud's globalCloudId, oCloudId or IMS endpoint changes. Failures are retried with
// exponential backoff, capped. The state is reported in the OCloud's status (smoRegistration,
// condition SMORegistered), written through the status subresource.
//
// The announcer runs on one replica at a time (pkg/leader) and reads the OCloud from the
// process's shared O2 informers. Its HTTP client is the notifier's (notify.NewHTTPClient): the
// same address policy, TLS settings, timeouts, and no redirects. What the SMO answers is not
// trusted: at most a bounded, sanitised excerpt reaches the logs and the status.
package smoreg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/notify"
)

// Notification is the body of the announcement: OCloudAvailableNotification, whose attribute
// names are those of the O-Cloud information model (IMS_EP included, as spelt there).
type Notification struct {
	// GlobalCloudID is the identifier the SMO assigned to the O-Cloud at genesis.
	GlobalCloudID string `json:"globalCloudId"`
	// OCloudID is the O-Cloud's own identifier.
	OCloudID string `json:"oCloudId"`
	// IMSEndpoint is the URL of the O-Cloud's O2-IMS services (IMS_EP).
	IMSEndpoint string `json:"IMS_EP"`
}

// Config configures an Announcer.
type Config struct {
	// URL is the SMO's registration endpoint.
	URL string
	// HTTP is the outbound client (notify.NewHTTPClient).
	HTTP *http.Client
	// Timeout bounds one POST, from dialing to the end of the response body.
	Timeout time.Duration
	// RetryBase is the wait after the first failure; it doubles per failure up to RetryMax.
	RetryBase, RetryMax time.Duration
	// IMSEndpoint is the IMS_EP announced: the apiRoot the O2-IMS face reports as the
	// O-Cloud's serviceUri. Empty announces the OCloud's spec.serviceUri.
	IMSEndpoint string
	// Client writes the OCloud's status (the status subresource).
	Client versioned.Interface
	// Metrics records attempts; nil records nothing.
	Metrics *Metrics
	// Clock is the time source; nil is the real clock.
	Clock clock.WithTicker
}

// excerptBytes is the most of an SMO's answer kept for logs and the status.
const excerptBytes = 256

// readBytes is the most of an SMO's answer read (and then discarded), so that a connection can
// be reused without letting the SMO make us read without end.
const readBytes = 64 << 10

// Announcer announces the O-Cloud to the SMO. Sync and Run are not safe for concurrent use:
// one goroutine drives an Announcer.
type Announcer struct {
	cfg     Config
	clock   clock.WithTicker
	oclouds listers.OCloudLister
	// state is per OCloud name.
	state map[string]*entry
	wake  chan struct{}
}

// entry is what the announcer knows of one OCloud's registration.
type entry struct {
	// uid is the OCloud's: one deleted and created again under the same name is another
	// object, whose status says nothing yet, so it is announced afresh.
	uid types.UID
	// accepted is the last announcement the SMO accepted, valid when registered.
	accepted   Notification
	registered bool
	// attempted is the last announcement sent; failures count the consecutive failures of
	// it, and next is when it may be sent again.
	attempted Notification
	failures  int32
	next      time.Time
	// unwritten is the status of the accepted announcement when writing it failed: written
	// again at the next Sync, since nothing else would (the SMO is not asked again).
	unwritten func(*v1alpha1.OCloudStatus)
}

// New returns an announcer reading the OCloud from oclouds.
func New(cfg Config, oclouds listers.OCloudLister) *Announcer {
	clk := cfg.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	return &Announcer{cfg: cfg, clock: clk, oclouds: oclouds, state: map[string]*entry{}, wake: make(chan struct{}, 1)}
}

// Handler wakes the announcer on every change of an OCloud; Sync decides whether anything
// is to be sent.
func (a *Announcer) Handler() cache.ResourceEventHandler {
	poke := func(any) {
		select {
		case a.wake <- struct{}{}:
		default:
		}
	}
	return cache.ResourceEventHandlerFuncs{AddFunc: poke, UpdateFunc: func(_, n any) { poke(n) }, DeleteFunc: poke}
}

// Run syncs until ctx ends: at once, on every wake-up of Handler, and when a retry is due.
// The caller has added Handler to the OCloud informer and waited for it to sync.
func (a *Announcer) Run(ctx context.Context) {
	klog.InfoS("SMO registration starting", "endpoint", redact(a.cfg.URL))
	defer klog.InfoS("SMO registration stopped")
	for {
		wait := a.Sync(ctx)
		var due <-chan time.Time
		var timer clock.Timer
		if wait > 0 {
			timer = a.clock.NewTimer(wait)
			due = timer.C()
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return
		case <-a.wake:
		case <-due:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// Sync announces every OCloud whose current values the SMO has not accepted and whose retry
// is due. It returns how long until the next retry is due, 0 when none is pending.
func (a *Announcer) Sync(ctx context.Context) time.Duration {
	list, err := a.oclouds.List(labels.Everything())
	if err != nil {
		klog.ErrorS(err, "SMO registration cannot list the O-Cloud")
		return a.cfg.RetryBase
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	seen := map[string]bool{}
	var wait time.Duration
	for _, o := range list {
		seen[o.Name] = true
		if d := a.syncOne(ctx, o); d > 0 && (wait == 0 || d < wait) {
			wait = d
		}
	}
	for name := range a.state {
		if !seen[name] {
			delete(a.state, name)
		}
	}
	return wait
}

// syncOne announces one OCloud if due; it returns how long until its retry, 0 for none.
func (a *Announcer) syncOne(ctx context.Context, o *v1alpha1.OCloud) time.Duration {
	want := a.notification(o)
	e := a.state[o.Name]
	if e == nil || e.uid != o.UID {
		e = &entry{uid: o.UID}
		a.state[o.Name] = e
	}
	// Values the SMO accepted once but not the last ones tried (an edit that was refused or
	// incomplete, then undone) are announced again: the SMO may hold the attempt's, and the
	// status says that attempt failed.
	if e.registered && e.accepted == want && e.attempted == want {
		if e.unwritten != nil {
			if !a.writeStatus(ctx, o.Name, e.unwritten) {
				return a.cfg.RetryBase
			}
			e.unwritten = nil
		}
		if !a.observe(ctx, o) {
			return a.cfg.RetryBase
		}
		return 0
	}
	// Whatever happens next writes the status of its own attempt.
	e.unwritten = nil
	if missing := incomplete(want); missing != "" {
		// Nothing the SMO could use; the OCloud's next change wakes us.
		if e.attempted != want || e.failures == 0 {
			klog.InfoS("SMO registration waits for the O-Cloud", "ocloud", o.Name, "missing", missing)
			a.writeStatus(ctx, o.Name, func(s *v1alpha1.OCloudStatus) {
				meta.SetStatusCondition(&s.Conditions, metav1.Condition{
					Type: v1alpha1.OCloudSMORegistered, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonSMORegistrationFailed,
					Message: "not announced: the O-Cloud has no " + missing, ObservedGeneration: o.Generation,
				})
			})
		} else if !a.observe(ctx, o) {
			return a.cfg.RetryBase
		}
		e.attempted, e.failures, e.next = want, 1, time.Time{}
		return 0
	}
	now := a.clock.Now()
	if e.attempted != want {
		// New values are announced at once, whatever the backoff of the old ones.
		e.attempted, e.failures, e.next = want, 0, time.Time{}
	}
	if now.Before(e.next) {
		// The last attempt's failure still stands for what is to be announced.
		a.observe(ctx, o)
		return e.next.Sub(now)
	}
	err := a.post(ctx, want)
	at := metav1.NewTime(a.clock.Now())
	if err != nil {
		e.failures++
		backoff := a.backoff(e.failures)
		// An SMO that says when to come back (429, 503) is not asked earlier; RetryMax still
		// bounds the wait, so an answer cannot make us give up.
		var ae *answerError
		if errors.As(err, &ae) && ae.retryAfter > backoff {
			backoff = min(ae.retryAfter, a.cfg.RetryMax)
		}
		e.next = at.Add(backoff)
		a.cfg.Metrics.attempt(false, at.Time)
		klog.ErrorS(err, "SMO registration failed; retrying", "ocloud", o.Name, "endpoint", redact(a.cfg.URL),
			"globalCloudId", want.GlobalCloudID, "failures", e.failures, "retryIn", backoff)
		failures := e.failures
		a.writeStatus(ctx, o.Name, func(s *v1alpha1.OCloudStatus) {
			r := a.registration(s, want, at)
			r.ConsecutiveFailures = failures
			meta.SetStatusCondition(&s.Conditions, metav1.Condition{
				Type: v1alpha1.OCloudSMORegistered, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonSMORegistrationFailed,
				Message: a.failureMessage(err), ObservedGeneration: o.Generation,
			})
		})
		return backoff
	}
	e.registered, e.accepted, e.failures, e.next = true, want, 0, time.Time{}
	a.cfg.Metrics.attempt(true, at.Time)
	klog.InfoS("Registered the O-Cloud with the SMO", "ocloud", o.Name, "endpoint", redact(a.cfg.URL),
		"globalCloudId", want.GlobalCloudID, "oCloudId", want.OCloudID, "imsEndpoint", want.IMSEndpoint)
	accepted := func(s *v1alpha1.OCloudStatus) {
		r := a.registration(s, want, at)
		r.ConsecutiveFailures = 0
		r.LastSuccessTime = &at
		meta.SetStatusCondition(&s.Conditions, metav1.Condition{
			Type: v1alpha1.OCloudSMORegistered, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSMORegistered,
			Message: "the SMO accepted the OCloudAvailableNotification", ObservedGeneration: o.Generation,
		})
	}
	if !a.writeStatus(ctx, o.Name, accepted) {
		e.unwritten = accepted
		return a.cfg.RetryBase
	}
	return 0
}

// observe brings the SMORegistered condition's observedGeneration up to o's generation after
// an edit that changed nothing announced (o's name or description): what the condition says
// still holds of the edited object, and `kubectl wait --for=condition=SMORegistered` (like any
// reader following Kubernetes' conventions) ignores a condition observed at an older
// generation, so it waited forever. The condition's status, and so its lastTransitionTime, is
// left alone. It reports false when the status could not be written.
func (a *Announcer) observe(ctx context.Context, o *v1alpha1.OCloud) bool {
	if c := meta.FindStatusCondition(o.Status.Conditions, v1alpha1.OCloudSMORegistered); c == nil || c.ObservedGeneration >= o.Generation {
		return true
	}
	gen := o.Generation
	return a.writeStatus(ctx, o.Name, func(s *v1alpha1.OCloudStatus) {
		if c := meta.FindStatusCondition(s.Conditions, v1alpha1.OCloudSMORegistered); c != nil && c.ObservedGeneration < gen {
			c.ObservedGeneration = gen
		}
	})
}

// registration fills in the status's record of the attempt at `at` of n.
func (a *Announcer) registration(s *v1alpha1.OCloudStatus, n Notification, at metav1.Time) *v1alpha1.SMORegistrationStatus {
	if s.SMORegistration == nil {
		s.SMORegistration = &v1alpha1.SMORegistrationStatus{}
	}
	r := s.SMORegistration
	r.Endpoint, r.GlobalCloudID, r.OCloudID, r.IMSEndpoint = redact(a.cfg.URL), n.GlobalCloudID, n.OCloudID, n.IMSEndpoint
	r.LastAttemptTime = &at
	return r
}

// notification is what is to be announced for o.
func (a *Announcer) notification(o *v1alpha1.OCloud) Notification {
	ep := a.cfg.IMSEndpoint
	if ep == "" {
		ep = o.Spec.ServiceURI
	}
	return Notification{GlobalCloudID: o.Spec.GlobalCloudID, OCloudID: o.Spec.OCloudID, IMSEndpoint: ep}
}

// incomplete names what n lacks to be announced (every attribute is mandatory), "" if nothing.
func incomplete(n Notification) string {
	var missing []string
	if n.GlobalCloudID == "" {
		missing = append(missing, "globalCloudId")
	}
	if n.OCloudID == "" {
		missing = append(missing, "oCloudId")
	}
	if n.IMSEndpoint == "" {
		missing = append(missing, "IMS endpoint (serviceUri)")
	}
	return strings.Join(missing, ", ")
}

// backoff is the wait after the n-th consecutive failure: RetryBase doubled n-1 times, at most
// RetryMax.
func (a *Announcer) backoff(n int32) time.Duration {
	d := a.cfg.RetryBase
	for i := int32(1); i < n && d < a.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, a.cfg.RetryMax)
}

// post sends n; nil means the SMO accepted it (2xx).
func (a *Announcer) post(ctx context.Context, n Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("POST %s: %w", redact(a.cfg.URL), errInvalidURL)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "netweave-smo-registration")
	resp, err := a.cfg.HTTP.Do(req)
	if err != nil {
		// url.Error repeats the URL, query included: redacted in place, so that the error is
		// still one (notify.FailureClass reads a url.Error as a connection failure).
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redact(a.cfg.URL)
			return err
		}
		return fmt.Errorf("POST %s: %w", redact(a.cfg.URL), err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, readBytes))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &answerError{
			url: redact(a.cfg.URL), code: resp.StatusCode, excerpt: Excerpt(answer),
			retryAfter: retryAfter(resp.Header.Get("Retry-After"), a.clock.Now()),
		}
	}
	return nil
}

// answerError is an answer of the SMO other than 2xx.
type answerError struct {
	url  string
	code int
	// excerpt is Excerpt of the answer's body.
	excerpt string
	// retryAfter is the wait the answer's Retry-After asks for, 0 for none.
	retryAfter time.Duration
}

func (e *answerError) Error() string {
	msg := fmt.Sprintf("POST %s: the SMO answered %d %s", e.url, e.code, http.StatusText(e.code))
	if e.excerpt != "" {
		msg += ": " + e.excerpt
	}
	return msg
}

// retryAfter is the wait a Retry-After value asks for at now (delay-seconds or an HTTP date),
// 0 when there is none or it cannot be read.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// failureMessage is err as the OCloud's status says it: the SMO's answer (its status code and
// the bounded Excerpt of its body, the SMO's own words about what it refused), or the class of
// a failure to get one (notify.FailureClass), never a dial or resolver error, which names the
// addresses the endpoint resolved to and the cluster DNS server's. The full error is logged.
func (a *Announcer) failureMessage(err error) string {
	var ae *answerError
	if errors.As(err, &ae) {
		return ae.Error()
	}
	if errors.Is(err, errInvalidURL) {
		return err.Error()
	}
	return fmt.Sprintf("POST %s: %s", redact(a.cfg.URL), notify.FailureClass(err))
}

// errInvalidURL is a registration URL a request cannot be made of.
var errInvalidURL = errors.New("invalid URL")

// Excerpt is a bounded, printable excerpt of an untrusted answer: at most excerptBytes of
// valid UTF-8 with control and other non-printing characters replaced by spaces, quoted.
func Excerpt(b []byte) string {
	cut := len(b) > excerptBytes
	if cut {
		b = b[:excerptBytes]
		// Drop a character the bound cut in two; invalid bytes elsewhere are replaced below.
		for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
			if utf8.RuneStart(b[len(b)-i]) {
				if !utf8.FullRune(b[len(b)-i:]) {
					b = b[:len(b)-i]
				}
				break
			}
		}
	}
	s := strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(b), " "))
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if cut {
		s += "…"
	}
	return fmt.Sprintf("%q", s)
}

// redact is u without user information, query or fragment, which may hold credentials.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(invalid URL)"
	}
	p.User, p.RawQuery, p.ForceQuery, p.Fragment, p.RawFragment = nil, "", false, "", ""
	return p.String()
}

// writeStatus applies change to the OCloud's status and writes it through the status
// subresource, retrying conflicts on a fresh read. It reports whether the status is written
// (or the OCloud gone); a failure is logged: the registration state stays in memory, and the
// next attempt, or for an accepted announcement the next Sync, writes it again.
func (a *Announcer) writeStatus(ctx context.Context, name string, change func(*v1alpha1.OCloudStatus)) bool {
	oclouds := a.cfg.Client.O2imsV1alpha1().OClouds()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		o, err := oclouds.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		change(&o.Status)
		_, err = oclouds.UpdateStatus(ctx, o, metav1.UpdateOptions{})
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) {
		klog.ErrorS(err, "SMO registration cannot write the O-Cloud's status", "ocloud", name)
		return false
	}
	return true
}
