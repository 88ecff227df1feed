package alertmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/alarms"
)

// Bounds on what an alert's labels put into an alarm's extensions: labels come from whoever
// writes alerting rules, and an alarm is an API object with a size limit.
const (
	maxExtensions     = 32
	maxExtensionValue = 256
	// extensionOverhead is the JSON punctuation the API counts for one entry besides its key
	// and value, against validation.MaxExtensionsBytes.
	extensionOverhead = 4
)

// maxStartAhead is how far ahead of netweave's clock a firing alert's startsAt may be and still
// be recorded: clocks a little apart are normal, but an alarm raised far ahead stays its
// fingerprint's latest record, so every later occurrence would be taken for a re-raise of it,
// dated then, and its resolution, ending "before" that, ignored (alarms.Observe).
const maxStartAhead = 5 * time.Minute

// observe maps checked alerts to observations about the objects resolver names. The alerts
// that are not the operator's (ErrNotTheOperators), and the firing ones that start more than
// maxStartAhead after now, are left out and counted in ignored: a resync then states the
// O-Cloud's alerts without them, which clears any alarm raised from one before. An alert left
// out for its start is recorded once its start is no longer that far ahead (the next
// notification of its group, or resync).
func observe(ctx context.Context, resolver Resolver, alerts []template.Alert, now time.Time) (obs []alarms.Observation, ignored int, err error) {
	obs = make([]alarms.Observation, 0, len(alerts))
	for _, a := range alerts {
		if a.Status == string(model.AlertFiring) && a.StartsAt.Sub(now) > maxStartAhead {
			klog.FromContext(ctx).Info("Alert starts ahead of this server's clock; not recorded until then (check the clocks of Prometheus and netweave)",
				"fingerprint", a.Fingerprint, "alertname", a.Labels[string(model.AlertNameLabel)], "startsAt", a.StartsAt, "now", now)
			ignored++
			continue
		}
		ref, err := resolver.Resolve(ctx, a.Labels)
		if errors.Is(err, ErrNotTheOperators) {
			klog.FromContext(ctx).V(2).Info("Alert from a namespace that is not the operator's; not recorded",
				"fingerprint", a.Fingerprint, "alertname", a.Labels[string(model.AlertNameLabel)], "namespace", a.Labels[namespaceLabel])
			ignored++
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("resolve the object of alert %s: %w", a.Fingerprint, err)
		}
		obs = append(obs, observation(a, ref))
	}
	return obs, ignored, nil
}

// observation maps one checked alert about ref. A resolved alert is an inactive observation
// dated by its end, carrying its start: the recorder ignores the late resolution of an
// occurrence that another of the same fingerprint followed. Its name is cut to what the API
// accepts (its text is cut by alarms.Observe, as every source's): an alert is valid whatever its
// length, and the API would refuse the whole alarm (an alert name that long matches no
// dictionary definition anyway, which limits alert names the same way).
func observation(a template.Alert, ref alarms.ObjectRef) alarms.Observation {
	o := alarms.Observation{
		Source:     SourceName,
		Key:        a.Fingerprint,
		Object:     ref,
		Definition: alarms.Cut(a.Labels[string(model.AlertNameLabel)], validation.MaxAlarmNameLength),
		Severity:   severityOf(a.Labels),
		Active:     a.Status == string(model.AlertFiring),
		Since:      a.StartsAt,
		// An alert's startsAt is its occurrence's (as its alarm's id is): a firing with a
		// later one is a new occurrence.
		Occurrences: a.Status == string(model.AlertFiring),
		Text:        text(a.Annotations),
		Extensions:  extensions(a.Labels),
	}
	if !o.Active {
		o.Since, o.Started = a.EndsAt, a.StartsAt
	}
	return o
}

// text is what the alert says for humans: the summary annotation, else the description.
func text(annotations template.KV) string {
	if s := annotations["summary"]; s != "" {
		return s
	}
	return annotations["description"]
}

// extensions are the alert's labels, at most maxExtensions of them (the first by name, so the
// choice is the same on every delivery) with values cut to maxExtensionValue bytes, within what
// the API accepts: a label whose name is longer than a key may be is left out, and so are the
// labels that would take the extensions past validation.MaxExtensionsBytes (values JSON-escape
// to up to six bytes a byte).
func extensions(labels template.KV) map[string]string {
	if len(labels) == 0 {
		return nil
	}
	names := make([]string, 0, len(labels))
	for k := range labels {
		if k != "" && len(k) <= validation.MaxExtensionKeyLength {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	out := make(map[string]string, min(len(names), maxExtensions))
	size := 0
	for _, k := range names {
		if len(out) == maxExtensions {
			break
		}
		v := alarms.Cut(labels[k], maxExtensionValue)
		raw, _ := json.Marshal(v) // a string always marshals; the recorder stores it so
		if size+len(k)+len(raw)+extensionOverhead > validation.MaxExtensionsBytes {
			continue
		}
		size += len(k) + len(raw) + extensionOverhead
		out[k] = v
	}
	return out
}
