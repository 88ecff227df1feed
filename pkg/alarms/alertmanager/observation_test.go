package alertmanager

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/alertmanager/template"

	"github.com/netweave-io/netweave/apis/o2ims"
	o2imsv1alpha1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/inventory"
)

func TestSeverityLabelMapsToPerceivedSeverity(t *testing.T) {
	for label, want := range map[string]alarms.Severity{
		"critical": alarms.SeverityCritical,
		"CRITICAL": alarms.SeverityCritical,
		"major":    alarms.SeverityMajor,
		"minor":    alarms.SeverityMinor,
		"warning":  alarms.SeverityWarning,
		"info":     alarms.SeverityWarning,
		"page":     alarms.SeverityIndeterminate,
		"":         alarms.SeverityIndeterminate,
	} {
		if got := severityOf(map[string]string{"severity": label}); got != want {
			t.Errorf("severity %q: got %d, want %d", label, got, want)
		}
	}
	if got := severityOf(nil); got != alarms.SeverityIndeterminate {
		t.Errorf("no severity label: got %d, want indeterminate", got)
	}
}

var (
	started = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ended   = started.Add(7 * time.Minute)
	object  = alarms.ObjectRef{Class: ClassOCloud, ID: "ocloud-id", Namespace: "o2ims-inventory"}
)

func TestFiringAlertIsAnActiveObservationFromStartsAt(t *testing.T) {
	a := template.Alert{
		Status:      "firing",
		Labels:      template.KV{"alertname": "NodeDiskFull", "severity": "major", "node": "worker-1"},
		Annotations: template.KV{"summary": "disk is full", "description": "longer text"},
		StartsAt:    started,
		Fingerprint: "0123abcd",
	}
	got := observation(a, object)
	want := alarms.Observation{
		Source: "alertmanager", Key: "0123abcd", Object: object, Definition: "NodeDiskFull",
		Severity: alarms.SeverityMajor, Active: true, Since: started, Occurrences: true, Text: "disk is full",
		Extensions: map[string]string{"alertname": "NodeDiskFull", "severity": "major", "node": "worker-1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestResolvedAlertIsAnInactiveObservationFromEndsAt(t *testing.T) {
	a := template.Alert{
		Status:      "resolved",
		Labels:      template.KV{"alertname": "NodeDiskFull"},
		Annotations: template.KV{"description": "only a description"},
		StartsAt:    started, EndsAt: ended, Fingerprint: "0123abcd",
	}
	got := observation(a, object)
	if got.Active || !got.Since.Equal(ended) || got.Key != "0123abcd" || got.Text != "only a description" {
		t.Errorf("got %+v; want inactive since %s with the description as text", got, ended)
	}
}

func TestExtensionsAreBoundedAndStable(t *testing.T) {
	labels := template.KV{}
	for i := 0; i < 2*maxExtensions; i++ {
		labels[string(rune('a'+i%26))+strings.Repeat("x", i)] = "v"
	}
	labels["a"] = strings.Repeat("é", maxExtensionValue) // two bytes a rune: cut mid-rune
	got := extensions(labels)
	if len(got) != maxExtensions {
		t.Fatalf("%d extensions, want %d", len(got), maxExtensions)
	}
	v, ok := got["a"]
	if !ok {
		t.Fatal(`the first label by name, "a", was dropped`)
	}
	if len(v) > maxExtensionValue || !strings.HasPrefix(strings.Repeat("é", maxExtensionValue), v) || len(v) < maxExtensionValue-1 {
		t.Errorf("value cut to %d bytes (%q), want the longest whole-rune prefix within %d", len(v), v, maxExtensionValue)
	}
	again := extensions(labels)
	for k := range got {
		if _, ok := again[k]; !ok {
			t.Errorf("label %s kept once and dropped the next time", k)
		}
	}
}

func TestObserveFailsWhenTheResolverFails(t *testing.T) {
	_, _, err := observe(context.Background(), failingResolver{}, []template.Alert{{Fingerprint: "ab", Status: "firing", StartsAt: started}}, started)
	if err == nil || !strings.Contains(err.Error(), "ab") {
		t.Errorf("err = %v, want one naming the alert", err)
	}
}

type failingResolver struct{}

func (failingResolver) Resolve(context.Context, map[string]string) (alarms.ObjectRef, error) {
	return alarms.ObjectRef{}, context.DeadlineExceeded
}

// TestRegressionLongAlertTextIsRecordable: an alert is valid whatever the length of its name,
// summary and labels, but the alarm it becomes is an API object with limits. The record the
// recorder would create from the observation must pass the API's validation, or the webhook
// fails on it forever; what is cut stays valid UTF-8 and keeps its beginning.
func TestRegressionLongAlertTextIsRecordable(t *testing.T) {
	name := strings.Repeat("é", validation.MaxAlarmNameLength) // two bytes a rune
	summary := strings.Repeat("ü", validation.MaxAlarmTextLength)
	labels := template.KV{"alertname": name, strings.Repeat("k", validation.MaxExtensionKeyLength+1): "long key"}
	for i := 0; i < 2*maxExtensions; i++ {
		// Control characters JSON-escape to six bytes each.
		labels[fmt.Sprintf("label%02d", i)] = strings.Repeat("\x01", maxExtensionValue)
	}
	a := template.Alert{Status: "firing", Labels: labels, Annotations: template.KV{"summary": summary},
		StartsAt: started, Fingerprint: "0123abcd"}
	node := alarms.ObjectRef{Class: ClassResource, ID: "0b9e3f1c-2d4a-4b5c-8d6e-7f8091a2b3c4", Namespace: "o2ims-system"}
	o := observation(a, node)

	if !utf8.ValidString(o.Definition) || !strings.HasPrefix(name, o.Definition) || len(o.Definition) < validation.MaxAlarmNameLength-1 {
		t.Errorf("alert name cut to %d bytes, want the longest whole-rune prefix within %d", len(o.Definition), validation.MaxAlarmNameLength)
	}
	if !utf8.ValidString(o.Text) || !strings.HasPrefix(summary, o.Text) || len(o.Text) < validation.MaxAlarmTextLength-1 {
		t.Errorf("summary cut to %d bytes, want the longest whole-rune prefix within %d", len(o.Text), validation.MaxAlarmTextLength)
	}
	ids, err := inventory.NewIDs("262c8f17-52b5-4614-9e56-812ae21fa8a7")
	if err != nil {
		t.Fatal(err)
	}
	tr := alarms.Observe(ids, nil, o, alarms.Definition{}, started)
	if tr.Record == nil || !tr.Create {
		t.Fatalf("no alarm raised: %+v", tr)
	}
	var rec o2ims.AlarmEventRecord
	if err := o2imsv1alpha1.Convert_v1alpha1_AlarmEventRecord_To_o2ims_AlarmEventRecord(tr.Record, &rec, nil); err != nil {
		t.Fatal(err)
	}
	if errs := validation.ValidateAlarmEventRecord(&rec); len(errs) != 0 {
		t.Errorf("the API refuses the alarm of a valid alert: %v", errs.ToAggregate())
	}
}
