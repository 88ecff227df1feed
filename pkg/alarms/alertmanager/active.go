package alertmanager

import (
	"fmt"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"
)

// activeAlerts turns the answer of GET /api/v2/alerts into the webhook's alert form, so both
// paths share one mapping to observations. Every alert is checked first: a resync that skipped
// a malformed alert would clear its alarm.
func activeAlerts(list models.GettableAlerts) ([]template.Alert, error) {
	out := make([]template.Alert, 0, len(list))
	for i, ga := range list {
		if ga == nil {
			return nil, fmt.Errorf("alert %d is null", i)
		}
		if err := ga.Validate(strfmt.Default); err != nil {
			return nil, fmt.Errorf("alert %d: %w", i, err)
		}
		a := template.Alert{
			// The query asks for active alerts only; resolved ones are what Sync clears.
			Status:       string(model.AlertFiring),
			Labels:       template.KV(ga.Labels),
			Annotations:  template.KV(ga.Annotations),
			StartsAt:     time.Time(*ga.StartsAt),
			EndsAt:       time.Time(*ga.EndsAt),
			GeneratorURL: string(ga.GeneratorURL),
			Fingerprint:  *ga.Fingerprint,
		}
		if err := checkAlert(a); err != nil {
			return nil, fmt.Errorf("alert %d: %w", i, err)
		}
		out = append(out, a)
	}
	return out, nil
}
