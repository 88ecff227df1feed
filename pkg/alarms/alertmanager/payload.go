package alertmanager

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/util/sets"
)

// webhookVersion is the version of the webhook payload this receiver understands.
const webhookVersion = "4"

// webhookMessage is Alertmanager's webhook payload. It is the shape of
// github.com/prometheus/alertmanager/notify/webhook.Message, declared here because that
// package imports Alertmanager's whole notification pipeline; the alerts themselves are
// Alertmanager's own template.Data.
type webhookMessage struct {
	*template.Data
	Version         string `json:"version"`
	GroupKey        string `json:"groupKey"`
	TruncatedAlerts uint64 `json:"truncatedAlerts"`
}

// decodeWebhook reads and checks one webhook payload. Every alert is checked before any is
// returned, so a malformed payload is refused whole and observes nothing.
func decodeWebhook(body io.Reader) ([]template.Alert, error) {
	dec := json.NewDecoder(body)
	var msg webhookMessage
	if err := dec.Decode(&msg); err != nil {
		return nil, fmt.Errorf("decode the webhook payload: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode the webhook payload: unexpected data after the JSON object")
	}
	if msg.Version != webhookVersion {
		return nil, fmt.Errorf("webhook payload version %q is not supported; want %q", msg.Version, webhookVersion)
	}
	if msg.Data == nil {
		return nil, errors.New("the webhook payload carries no alerts")
	}
	if err := checkStatus(msg.Status); err != nil {
		return nil, fmt.Errorf("payload status: %w", err)
	}
	seen := sets.New[string]()
	for i, a := range msg.Alerts {
		if err := checkAlert(a); err != nil {
			return nil, fmt.Errorf("alerts[%d]: %w", i, err)
		}
		// Alertmanager states each alert of a group once; a payload naming one twice says
		// contradictory things (resolved and firing), whose outcome would depend on the order.
		if seen.Has(a.Fingerprint) {
			return nil, fmt.Errorf("alerts[%d]: fingerprint %s appears more than once in the payload", i, a.Fingerprint)
		}
		seen.Insert(a.Fingerprint)
	}
	return msg.Alerts, nil
}

// checkAlert refuses an alert that cannot become an observation: without a fingerprint there is
// no key, without startsAt no occurrence, and a resolved alert needs its end, not before its
// start.
func checkAlert(a template.Alert) error {
	if err := checkFingerprint(a.Fingerprint); err != nil {
		return err
	}
	if a.StartsAt.IsZero() {
		return errors.New("startsAt is missing")
	}
	if err := checkStatus(a.Status); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if a.Status == string(model.AlertResolved) {
		switch {
		case a.EndsAt.IsZero():
			return errors.New("a resolved alert needs endsAt")
		case a.EndsAt.Before(a.StartsAt):
			// Alertmanager never sends one; recorded, it would clear the alarm before it was
			// raised.
			return fmt.Errorf("endsAt %s is before startsAt %s", a.EndsAt.Format(time.RFC3339Nano), a.StartsAt.Format(time.RFC3339Nano))
		}
	}
	return nil
}

// maxFingerprintLen bounds the key; Alertmanager's fingerprints are 16 hex digits.
const maxFingerprintLen = 64

func checkFingerprint(fp string) error {
	if fp == "" {
		return errors.New("fingerprint is missing")
	}
	if len(fp) > maxFingerprintLen {
		return fmt.Errorf("fingerprint is longer than %d characters", maxFingerprintLen)
	}
	for _, c := range fp {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("fingerprint %q is not lower-case hexadecimal", fp)
		}
	}
	return nil
}

func checkStatus(s string) error {
	switch model.AlertStatus(s) {
	case model.AlertFiring, model.AlertResolved:
		return nil
	}
	return fmt.Errorf("%q is neither %q nor %q", s, model.AlertFiring, model.AlertResolved)
}
