package localstack

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/common/model"
)

// Alert is an alert as Prometheus posts it to Alertmanager; a zero endsAt is still firing.
func Alert(name string, labels map[string]string, startsAt, endsAt time.Time) *models.PostableAlert {
	l := models.LabelSet{string(model.AlertNameLabel): name}
	for k, v := range labels {
		l[k] = v
	}
	a := &models.PostableAlert{
		Alert:       models.Alert{Labels: l},
		Annotations: models.LabelSet{"summary": name},
		StartsAt:    strfmt.DateTime(startsAt),
	}
	if !endsAt.IsZero() {
		a.EndsAt = strfmt.DateTime(endsAt)
	}
	return a
}

// AlertStorm is a set of N distinct firing alerts, as a storm of them would reach Alertmanager:
// alert i has the label StormIndexLabel=i (which netweave carries into the alarm's extensions,
// so a notification names the alert it is about), a severity cycling through critical, major,
// minor and warning, a StormBucketLabel of i mod StormBuckets (an extension to filter on), and,
// for even i when Nodes is set, a "node" label naming one of Nodes (so netweave maps it to that
// node's Resource; the others are about the O-Cloud).
type AlertStorm struct {
	// Name is the alertname and tells this storm's alerts from any other's.
	Name     string
	N        int
	Nodes    []string
	StartsAt time.Time
}

// The labels of a storm alert that tests read back from alarms.
const (
	StormIndexLabel  = "storm_index"
	StormBucketLabel = "storm_bucket"
	StormBuckets     = 16
)

// StormSeverities are the severity labels alert i cycles through (i mod 4); in O2 terms
// CRITICAL 0, MAJOR 1, MINOR 2, WARNING 3.
var StormSeverities = []string{"critical", "major", "minor", "warning"}

// Labels are alert i's labels without the alertname.
func (s AlertStorm) Labels(i int) map[string]string {
	l := map[string]string{
		StormIndexLabel:  strconv.Itoa(i),
		StormBucketLabel: fmt.Sprintf("%02d", i%StormBuckets),
		"severity":       StormSeverities[i%len(StormSeverities)],
	}
	if len(s.Nodes) > 0 && i%2 == 0 {
		l["node"] = s.Nodes[(i/2)%len(s.Nodes)]
	}
	return l
}

// Alert is alert i.
func (s AlertStorm) Alert(i int) *models.PostableAlert {
	return Alert(s.Name, s.Labels(i), s.StartsAt, time.Time{})
}

// Fingerprint is Alertmanager's fingerprint of alert i: the key netweave records its alarm
// under (spec.source.key).
func (s AlertStorm) Fingerprint(i int) string {
	l := model.LabelSet{model.AlertNameLabel: model.LabelValue(s.Name)}
	for k, v := range s.Labels(i) {
		l[model.LabelName(k)] = model.LabelValue(v)
	}
	return l.Fingerprint().String()
}

// Fire posts alerts from..to-1 to am in batches of batch, one batch after the other, and calls
// posted (when set) with each batch's range and the time its POST was sent.
func (s AlertStorm) Fire(ctx context.Context, am *Alertmanager, from, to, batch int, posted func(from, to int, sent time.Time)) error {
	for lo := from; lo < to; lo += batch {
		hi := min(lo+batch, to)
		alerts := make(models.PostableAlerts, 0, hi-lo)
		for i := lo; i < hi; i++ {
			alerts = append(alerts, s.Alert(i))
		}
		sent := time.Now()
		if err := am.PostAlerts(ctx, alerts); err != nil {
			return fmt.Errorf("fire alerts %d..%d of %s: %w", lo, hi-1, s.Name, err)
		}
		if posted != nil {
			posted(lo, hi, sent)
		}
	}
	return nil
}
