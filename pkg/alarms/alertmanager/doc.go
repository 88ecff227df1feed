// Package alertmanager makes Prometheus Alertmanager an alarm source: a webhook receiver for
// Alertmanager's notifications (send_resolved: true, so a resolved alert clears its alarm), and
// a periodic re-read of Alertmanager's active alerts (GET /api/v2/alerts) that states the whole
// set to the Sink, so a webhook Alertmanager gave up on never leaves a stale alarm.
//
// An alert becomes an alarm about the O2 object its labels name (see Resolver; an alert
// labelled with a namespace that is not the operator's names no node nor cluster), with the
// severity of its "severity" label; its fingerprint identifies it, and its startsAt the
// occurrence.
package alertmanager

// SourceName is the alarms.Observation Source of everything this package reports.
const SourceName = "alertmanager"
