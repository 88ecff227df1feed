package alertmanager

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"

	"github.com/netweave-io/netweave/pkg/alarms"
)

// Bounds on what an alert's labels put into an alarm's extensions: labels come from whoever
// writes alerting rules, and an alarm is an API object with a size limit.
const (
	maxExtensions     = 32
	maxExtensionValue = 256
)

// observe maps checked alerts to observations about the objects resolver names.
func observe(ctx context.Context, resolver Resolver, alerts []template.Alert) ([]alarms.Observation, error) {
	out := make([]alarms.Observation, 0, len(alerts))
	for _, a := range alerts {
		ref, err := resolver.Resolve(ctx, a.Labels)
		if err != nil {
			return nil, fmt.Errorf("resolve the object of alert %s: %w", a.Fingerprint, err)
		}
		out = append(out, observation(a, ref))
	}
	return out, nil
}

// observation maps one checked alert about ref. A resolved alert is an inactive observation
// dated by its end.
func observation(a template.Alert, ref alarms.ObjectRef) alarms.Observation {
	o := alarms.Observation{
		Source:     SourceName,
		Key:        a.Fingerprint,
		Object:     ref,
		Definition: a.Labels[string(model.AlertNameLabel)],
		Severity:   severityOf(a.Labels),
		Active:     a.Status == string(model.AlertFiring),
		Since:      a.StartsAt,
		Text:       text(a.Annotations),
		Extensions: extensions(a.Labels),
	}
	if !o.Active {
		o.Since = a.EndsAt
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
// choice is the same on every delivery) with values cut to maxExtensionValue bytes.
func extensions(labels template.KV) map[string]string {
	if len(labels) == 0 {
		return nil
	}
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) > maxExtensions {
		names = names[:maxExtensions]
	}
	out := make(map[string]string, len(names))
	for _, k := range names {
		v := labels[k]
		if len(v) > maxExtensionValue {
			// Drop a rune cut in half rather than store invalid UTF-8.
			v = strings.ToValidUTF8(v[:maxExtensionValue], "")
		}
		out[k] = v
	}
	return out
}
