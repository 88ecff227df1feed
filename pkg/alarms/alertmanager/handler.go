package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// WebhookPath is where the O2 listener serves the receiver; Alertmanager's webhook_configs url
// points here.
const WebhookPath = "/o2ims-alarmsources/alertmanager/v1/alerts"

// WebhookResource is the o2ims.oran.org pseudo-resource whose WebhookVerb lets a caller send
// alerts (the o2ims-alert-sender ClusterRole). No such objects exist: it only names the
// permission, so RBAC decides who may raise alarms as for any other write.
const WebhookResource = "alertmanagerwebhooks"

// WebhookVerb is the verb on WebhookResource that lets a caller send alerts. A verb of its own,
// not "create": the object-writing verbs are granted on every o2ims.oran.org resource by
// o2ims-admin (resources "*"), and anyone holding that cluster-wide (an SMO made admin of every
// tenant) could otherwise raise and clear the operator's alarms. Only "send" itself, or verbs
// "*", grants it.
const WebhookVerb = "send"

// DefaultMaxPayloadBytes bounds a webhook payload. Alertmanager sends all alerts of a group in
// one payload unless the receiver sets max_alerts; this keeps a huge group out of memory.
const DefaultMaxPayloadBytes = 4 << 20

// HandlerConfig configures the webhook receiver.
type HandlerConfig struct {
	// Sink records the observations.
	Sink alarms.Sink
	// Resolver names the object of each alert.
	Resolver Resolver
	// Authorizer decides whether the caller may WebhookVerb WebhookResource.
	Authorizer authorizer.Authorizer
	// Metrics, when set, count payloads and alerts.
	Metrics *Metrics
	// MaxPayloadBytes bounds a payload; DefaultMaxPayloadBytes when zero.
	MaxPayloadBytes int64
}

// handler receives Alertmanager webhooks behind the API server's authentication filter (which
// put the user in the request's context). Errors are plain text: the O2 listener's
// problem-details filter turns them into application/problem+json.
type handler struct {
	cfg HandlerConfig
}

// NewHandler returns the webhook receiver. Every alert of a payload is checked, and its object
// resolved, before any is observed, so a refused payload records nothing. Each alert is then
// recorded on its own: one the API refuses is logged, counted and dropped (sending it again
// could never help), and the others are recorded all the same; a payload of which an alert
// failed otherwise (the store, a lost leadership) answers 500 once the others were tried, and
// Alertmanager sends it again (observations are idempotent).
func NewHandler(cfg HandlerConfig) http.Handler {
	if cfg.MaxPayloadBytes == 0 {
		cfg.MaxPayloadBytes = DefaultMaxPayloadBytes
	}
	return &handler{cfg: cfg}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, err := h.serve(w, r)
	h.count(status)
	if err == nil {
		w.WriteHeader(status)
		return
	}
	if status >= http.StatusInternalServerError {
		klog.ErrorS(err, "Alertmanager webhook failed")
		http.Error(w, "the alerts could not be recorded; retry later", status)
		return
	}
	klog.V(2).InfoS("Alertmanager webhook refused", "status", status, "err", err)
	http.Error(w, err.Error(), status)
}

// serve handles one payload and returns the status to answer with, and an error whose text
// explains a refusal.
func (h *handler) serve(w http.ResponseWriter, r *http.Request) (int, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return http.StatusMethodNotAllowed, fmt.Errorf("method %s is not allowed; Alertmanager webhooks are POSTed", r.Method)
	}
	ctx := r.Context()
	u, _ := genericapirequest.UserFrom(ctx)
	if u == nil || u.GetName() == user.Anonymous {
		w.Header().Set("WWW-Authenticate", `Bearer realm="o2ims"`)
		return http.StatusUnauthorized, errors.New("authentication required: configure the webhook's authorization credentials or a client certificate")
	}
	allowed, err := tenancy.Allowed(ctx, h.cfg.Authorizer, u, tenancy.Request{Verb: WebhookVerb, Resource: WebhookResource})
	if err != nil {
		// The permission cannot be checked (the cluster's API server down): Alertmanager
		// retries a 5xx, and 503 says the answer is to come.
		return http.StatusServiceUnavailable, fmt.Errorf("authorize %s: %w", u.GetName(), err)
	}
	if !allowed {
		return http.StatusForbidden, fmt.Errorf("user %q may not send alerts: it needs verb %s on %s.o2ims.oran.org (ClusterRole o2ims-alert-sender)", u.GetName(), WebhookVerb, WebhookResource)
	}
	body := http.MaxBytesReader(w, r.Body, h.cfg.MaxPayloadBytes)
	alerts, err := decodeWebhook(body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return http.StatusBadRequest, fmt.Errorf("the webhook payload exceeds %d bytes; lower the receiver's max_alerts", tooLarge.Limit)
	}
	if err != nil {
		return http.StatusBadRequest, err
	}
	obs, ignored, err := observe(ctx, h.cfg.Resolver, alerts, time.Now())
	if err != nil {
		return http.StatusInternalServerError, err
	}
	if h.cfg.Metrics != nil && ignored > 0 {
		h.cfg.Metrics.Alerts.WithLabelValues("ignored").Add(float64(ignored))
	}
	if err := h.record(ctx, obs); err != nil {
		return http.StatusInternalServerError, err
	}
	return http.StatusNoContent, nil
}

// record observes every alert, each on its own, so that no alert keeps the ones after it
// from being recorded. An alert the API refuses is logged and counted as "refused", and the
// payload still succeeds: Alertmanager would otherwise resend it forever, and the alert would
// be refused every time. Any other failure is returned once every alert was tried.
func (h *handler) record(ctx context.Context, obs []alarms.Observation) error {
	var errs []error
	for _, o := range obs {
		status := "firing"
		if !o.Active {
			status = "resolved"
		}
		if err := h.cfg.Sink.Observe(ctx, o); err != nil {
			if !refused(err) {
				errs = append(errs, fmt.Errorf("observe alert %s: %w", o.Key, err))
				continue
			}
			klog.FromContext(ctx).Error(err, "Alert refused by the API; it is not recorded", "fingerprint", o.Key, "alertname", o.Definition)
			status = "refused"
		}
		if h.cfg.Metrics != nil {
			h.cfg.Metrics.Alerts.WithLabelValues(status).Inc()
		}
	}
	return errors.Join(errs...)
}

// refused reports whether err is the API refusing the alarm itself, which no retry changes.
func refused(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsRequestEntityTooLargeError(err)
}

func (h *handler) count(status int) {
	if h.cfg.Metrics == nil {
		return
	}
	result := "accepted"
	switch {
	case status >= http.StatusInternalServerError:
		result = "failed"
	case status >= http.StatusBadRequest:
		result = "rejected"
	}
	h.cfg.Metrics.Payloads.WithLabelValues(result).Inc()
}
