package alertmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/pkg/o2rest"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// senderOnly allows exactly what the o2ims-alert-sender ClusterRole grants, to "am-sender".
var senderOnly = authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if a.GetUser().GetName() == "am-sender" && a.IsResourceRequest() && a.GetVerb() == WebhookVerb &&
		a.GetAPIGroup() == "o2ims.oran.org" && a.GetResource() == WebhookResource && a.GetNamespace() == "" {
		return authorizer.DecisionAllow, "", nil
	}
	return authorizer.DecisionNoOpinion, "", nil
})

const firingPayload = `{
  "version": "4", "groupKey": "{}:{alertname=\"NodeDown\"}", "truncatedAlerts": 0,
  "status": "firing", "receiver": "netweave",
  "groupLabels": {"alertname": "NodeDown"}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am",
  "alerts": [
    {"status": "firing", "labels": {"alertname": "NodeDown", "severity": "critical"}, "annotations": {"summary": "node down"},
     "startsAt": "2026-03-01T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom/graph", "fingerprint": "aa11"},
    {"status": "resolved", "labels": {"alertname": "DiskFull", "severity": "warning"}, "annotations": {},
     "startsAt": "2026-03-01T09:00:00Z", "endsAt": "2026-03-01T10:05:00Z", "generatorURL": "", "fingerprint": "bb22"}
  ]
}`

type call struct {
	method, body string
	user         user.Info
}

func serve(t *testing.T, sink *recordingSink, c call) *httptest.ResponseRecorder {
	t.Helper()
	return serveWith(t, HandlerConfig{Sink: sink, Resolver: fixedResolver{object}, Authorizer: senderOnly, MaxPayloadBytes: 4096}, c)
}

func serveWith(t *testing.T, cfg HandlerConfig, c call) *httptest.ResponseRecorder {
	t.Helper()
	h := o2rest.WithProblemDetails(NewHandler(cfg))
	req := httptest.NewRequest(c.method, WebhookPath, strings.NewReader(c.body))
	if c.user != nil {
		req = req.WithContext(genericapirequest.WithUser(req.Context(), c.user))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var sender = &user.DefaultInfo{Name: "am-sender"}

func TestWebhookObservesEveryAlertOfAnAcceptedPayload(t *testing.T) {
	sink := &recordingSink{}
	rec := serve(t, sink, call{http.MethodPost, firingPayload, sender})
	if rec.Code != http.StatusNoContent {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := sink.observations()
	if len(got) != 2 {
		t.Fatalf("observed %d alerts, want 2: %+v", len(got), got)
	}
	if o := got[0]; !o.Active || o.Key != "aa11" || o.Definition != "NodeDown" || o.Object != object || o.Text != "node down" {
		t.Errorf("firing alert observed as %+v", o)
	}
	if o := got[1]; o.Active || o.Key != "bb22" || !o.Since.Equal(time.Date(2026, 3, 1, 10, 5, 0, 0, time.UTC)) {
		t.Errorf("resolved alert observed as %+v", o)
	}
}

func TestWebhookRefusesWithProblemDetailsAndObservesNothing(t *testing.T) {
	withAlert := func(alert string) string {
		return `{"version":"4","status":"firing","alerts":[` + alert + `]}`
	}
	for _, tc := range []struct {
		name   string
		call   call
		status int
		detail string
	}{
		{"GET is not a webhook", call{http.MethodGet, "", sender}, http.StatusMethodNotAllowed, "POST"},
		{"anonymous", call{http.MethodPost, firingPayload, &user.DefaultInfo{Name: user.Anonymous}}, http.StatusUnauthorized, "authentication required"},
		{"no user at all", call{http.MethodPost, firingPayload, nil}, http.StatusUnauthorized, "authentication required"},
		{"authenticated but not a sender", call{http.MethodPost, firingPayload, &user.DefaultInfo{Name: "smo"}}, http.StatusForbidden, "o2ims-alert-sender"},
		{"bad JSON", call{http.MethodPost, `{"version":`, sender}, http.StatusBadRequest, "decode"},
		{"trailing data", call{http.MethodPost, firingPayload + `{}`, sender}, http.StatusBadRequest, "after the JSON object"},
		{"wrong version", call{http.MethodPost, `{"version":"3","status":"firing","alerts":[]}`, sender}, http.StatusBadRequest, `version "3"`},
		{"unknown payload status", call{http.MethodPost, `{"version":"4","status":"pending","alerts":[]}`, sender}, http.StatusBadRequest, `"pending"`},
		{"missing fingerprint", call{http.MethodPost, withAlert(`{"status":"firing","startsAt":"2026-03-01T10:00:00Z"}`), sender}, http.StatusBadRequest, "fingerprint is missing"},
		{"fingerprint not hex", call{http.MethodPost, withAlert(`{"status":"firing","startsAt":"2026-03-01T10:00:00Z","fingerprint":"../x"}`), sender}, http.StatusBadRequest, "hexadecimal"},
		{"missing startsAt", call{http.MethodPost, withAlert(`{"status":"firing","fingerprint":"aa"}`), sender}, http.StatusBadRequest, "startsAt is missing"},
		{"unknown alert status", call{http.MethodPost, withAlert(`{"status":"pending","startsAt":"2026-03-01T10:00:00Z","fingerprint":"aa"}`), sender}, http.StatusBadRequest, `alerts[0]: status: "pending"`},
		{"resolved without endsAt", call{http.MethodPost, withAlert(`{"status":"resolved","startsAt":"2026-03-01T10:00:00Z","fingerprint":"aa"}`), sender}, http.StatusBadRequest, "endsAt"},
		{"over the size limit", call{http.MethodPost, `{"version":"4","status":"firing","alerts":[],"receiver":"` + strings.Repeat("x", 5000) + `"}`, sender}, http.StatusBadRequest, "exceeds 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recordingSink{}
			rec := serve(t, sink, tc.call)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != model.ProblemContentType {
				t.Errorf("Content-Type %q, want %q", ct, model.ProblemContentType)
			}
			var pd model.ProblemDetails
			if err := json.Unmarshal(rec.Body.Bytes(), &pd); err != nil || pd.Status != tc.status || !strings.Contains(pd.Detail, tc.detail) {
				t.Errorf("problem %+v (%v), want status %d and a detail with %q", pd, err, tc.status, tc.detail)
			}
			if n := len(sink.observations()); n != 0 {
				t.Errorf("a refused payload observed %d alerts", n)
			}
		})
	}
}

func TestWebhookAnswers500WhenRecordingFailsSoAlertmanagerRetries(t *testing.T) {
	sink := &recordingSink{err: errors.New("redis down")}
	rec := serve(t, sink, call{http.MethodPost, firingPayload, sender})
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500: %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "redis down") {
		t.Errorf("internal error leaked to the caller: %s", rec.Body)
	}
}

// TestRegressionFirstAlertFailingStillRecordsTheSecond: each alert of a payload is recorded on
// its own. One the API refuses (it never will accept it) is counted and dropped, and the
// payload succeeds, or Alertmanager would resend it forever and the alerts after it would
// never be recorded; one that fails otherwise makes the payload fail, so it is sent again,
// but only after the others were recorded.
func TestRegressionFirstAlertFailingStillRecordsTheSecond(t *testing.T) {
	invalid := apierrors.NewInvalid(schema.GroupKind{Group: "o2ims.oran.org", Kind: "AlarmEventRecord"}, "x",
		field.ErrorList{field.TooLong(field.NewPath("status", "text"), "", 4096)})
	for _, tc := range []struct {
		name    string
		err     error
		status  int
		refused float64
	}{
		{"refused by the API", fmt.Errorf("record alarm: %w", invalid), http.StatusNoContent, 1},
		{"the store failing", errors.New("redis down"), http.StatusInternalServerError, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMetrics(metrics.NewKubeRegistry().Register)
			if err != nil {
				t.Fatal(err)
			}
			sink := &recordingSink{failKeys: map[string]error{"aa11": tc.err}}
			h := NewHandler(HandlerConfig{Sink: sink, Resolver: fixedResolver{object}, Authorizer: senderOnly, Metrics: m})
			req := httptest.NewRequest(http.MethodPost, WebhookPath, strings.NewReader(firingPayload))
			req = req.WithContext(genericapirequest.WithUser(req.Context(), sender))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if got := sink.observations(); len(got) != 1 || got[0].Key != "bb22" {
				t.Errorf("observed %+v, want the second alert (bb22) recorded", got)
			}
			if n, err := testutil.GetCounterMetricValue(m.Alerts.WithLabelValues("refused")); err != nil || n != tc.refused {
				t.Errorf("refused alerts counted %v (%v), want %v", n, err, tc.refused)
			}
		})
	}
}

// The permission could not be checked (the SubjectAccessReview failed: the cluster's API
// server down): 503, as docs/alarms.md says, not a 500 that reads as netweave failing.
func TestRegressionWebhookAnswers503WhenThePermissionCannotBeChecked(t *testing.T) {
	failing := authorizer.AuthorizerFunc(func(context.Context, authorizer.Attributes) (authorizer.Decision, string, error) {
		return authorizer.DecisionNoOpinion, "", errors.New("subjectaccessreviews: connection refused")
	})
	sink := &recordingSink{}
	rec := serveWith(t, HandlerConfig{Sink: sink, Resolver: fixedResolver{object}, Authorizer: failing, MaxPayloadBytes: 4096},
		call{http.MethodPost, firingPayload, sender})
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503: %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "connection refused") || len(sink.observations()) != 0 {
		t.Errorf("answer %s, %d alerts observed", rec.Body, len(sink.observations()))
	}
}

// TestRegressionO2AdminCannotSendAlerts: the receiver asked for "create" on its pseudo-resource,
// which o2ims-admin grants (every o2ims.oran.org resource, the write verbs): anyone holding it
// cluster-wide could raise and clear the operator's alarms, which only o2ims-alert-sender is
// meant to allow. It now asks for a verb of its own that no write-verb rule grants.
func TestRegressionO2AdminCannotSendAlerts(t *testing.T) {
	// o2ims-admin as RBAC evaluates it (charts/netweave/templates/roles.yaml), bound cluster-wide.
	adminVerbs := sets.New("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")
	o2Admin := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.GetUser().GetName() == "o2-admin" && a.IsResourceRequest() && a.GetAPIGroup() == "o2ims.oran.org" && adminVerbs.Has(a.GetVerb()) {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
	sink := &recordingSink{}
	rec := serveWith(t, HandlerConfig{Sink: sink, Resolver: fixedResolver{object}, Authorizer: o2Admin},
		call{http.MethodPost, firingPayload, &user.DefaultInfo{Name: "o2-admin"}})
	if rec.Code != http.StatusForbidden || len(sink.observations()) != 0 {
		t.Errorf("a cluster-wide o2ims-admin sent alerts: status %d, %d observed; want 403, none", rec.Code, len(sink.observations()))
	}
}

// TestRegressionResolvedAlertEndedBeforeItStarted: a resolved alert whose endsAt precedes its
// startsAt (Alertmanager never sends one) was answered 204 and cleared the alarm at a time
// before it was raised. Now the payload is refused whole with 400 and nothing is observed.
func TestRegressionResolvedAlertEndedBeforeItStarted(t *testing.T) {
	body := `{"version":"4","status":"resolved","alerts":[{"status":"resolved","labels":{"alertname":"NodeDown"},
	  "startsAt":"2026-03-01T10:00:00Z","endsAt":"2020-01-01T00:00:00Z","fingerprint":"aa11"}]}`
	sink := &recordingSink{}
	rec := serve(t, sink, call{http.MethodPost, body, sender})
	if rec.Code != http.StatusBadRequest || len(sink.observations()) != 0 {
		t.Fatalf("status %d, %d observations %+v; want 400 and nothing observed", rec.Code, len(sink.observations()), sink.observations())
	}
}

// TestRegressionDuplicateFingerprintInOnePayload: one payload stated the same alert both
// resolved and firing; it was answered 204 and the outcome depended on the order of the array
// (here the alarm was left raised). Now it is refused whole with 400 and nothing is observed.
func TestRegressionDuplicateFingerprintInOnePayload(t *testing.T) {
	body := `{"version":"4","status":"firing","alerts":[
	  {"status":"resolved","labels":{"alertname":"NodeDown"},"startsAt":"2026-03-01T10:00:00Z","endsAt":"2026-03-01T10:05:00Z","fingerprint":"aa11"},
	  {"status":"firing","labels":{"alertname":"NodeDown"},"startsAt":"2026-03-01T10:00:00Z","fingerprint":"aa11"}]}`
	sink := &recordingSink{}
	rec := serve(t, sink, call{http.MethodPost, body, sender})
	if rec.Code != http.StatusBadRequest || len(sink.observations()) != 0 {
		t.Fatalf("status %d, observations %+v; want 400 for a payload naming fingerprint aa11 twice", rec.Code, sink.observations())
	}
}

// TestRegressionAlertStartingInTheFarFutureIsNotRecorded: a firing alert whose startsAt lay far
// ahead of netweave's clock (a Prometheus with a wrong clock, or an alert posted to
// Alertmanager's API by hand) raised an alarm dated then. That record stayed its fingerprint's
// latest, so every later occurrence of the alert was taken for a re-raise of it and raised at
// that future time too, and its resolution, ending "before" that raise, was ignored: the alarm
// was never cleared by the webhook again. Such an alert is now left out, counted as ignored,
// by the webhook and the resync alike, until its start is no longer ahead; a start a few
// seconds ahead (clocks a little apart) is recorded.
func TestRegressionAlertStartingInTheFarFutureIsNotRecorded(t *testing.T) {
	now := time.Now()
	far, near := now.Add(24*time.Hour).UTC(), now.Add(10*time.Second).UTC()
	alert := func(fp string, start time.Time) string {
		return `{"status":"firing","labels":{"alertname":"NodeDown"},"startsAt":"` + start.Format(time.RFC3339Nano) + `","fingerprint":"` + fp + `"}`
	}
	body := `{"version":"4","status":"firing","alerts":[` + alert("aa11", far) + `,` + alert("bb22", near) + `]}`

	t.Run("webhook", func(t *testing.T) {
		m, err := NewMetrics(metrics.NewKubeRegistry().Register)
		if err != nil {
			t.Fatal(err)
		}
		sink := &recordingSink{}
		rec := serveWith(t, HandlerConfig{Sink: sink, Resolver: fixedResolver{object}, Authorizer: senderOnly, Metrics: m},
			call{http.MethodPost, body, sender})
		if rec.Code != http.StatusNoContent {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if got := sink.observations(); len(got) != 1 || got[0].Key != "bb22" {
			t.Errorf("observed %+v, want only bb22 (starting 10s ahead); aa11 starts a day ahead", got)
		}
		if n, err := testutil.GetCounterMetricValue(m.Alerts.WithLabelValues("ignored")); err != nil || n != 1 {
			t.Errorf("ignored alerts counted %v (%v), want 1", n, err)
		}
	})
	t.Run("resync", func(t *testing.T) {
		alerts := models.GettableAlerts{gettableAlert("NodeDown", "aa11", far), gettableAlert("NodeDown", "bb22", near)}
		base := fakeAlertmanager(t, func() time.Time { return now.Add(-time.Hour) }, alerts)
		src, err := NewSource(SourceConfig{URL: base, Client: http.DefaultClient, Interval: time.Minute, StartupGrace: 3 * time.Minute,
			Resolver: fixedResolver{object}})
		if err != nil {
			t.Fatal(err)
		}
		sink := &resyncSink{}
		if result, err := src.Resync(t.Context(), sink); result != resyncSuccess || err != nil {
			t.Fatalf("Resync: %q, %v; want %q", result, err, resyncSuccess)
		}
		if len(sink.active) != 1 || sink.active[0].Key != "bb22" {
			t.Errorf("stated active %+v, want only bb22", sink.active)
		}
	})
}
