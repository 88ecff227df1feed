// Package alarms turns faults that alarm sources observe (Node conditions, expiring
// certificates, Alertmanager alerts) into AlarmEventRecords. Every source reports through the
// one Sink interface here; the recorder behind it owns the alarm state machine.
package alarms

import (
	"context"
	"time"
)

// Severity is the O2-IMS perceivedSeverity: 0 CRITICAL … 5 CLEARED.
type Severity int32

// The perceivedSeverity values of O2-IMS (monitoring API 1.0.0 and spec v10).
const (
	SeverityCritical      Severity = 0
	SeverityMajor         Severity = 1
	SeverityMinor         Severity = 2
	SeverityWarning       Severity = 3
	SeverityIndeterminate Severity = 4
	SeverityCleared       Severity = 5
)

// ObjectRef names the faulty O2 object an alarm is about.
type ObjectRef struct {
	// Class is the O2 object class (spec v10 objectClass): "Resource", "DeploymentManager",
	// "ResourcePool" or "OCloud".
	Class string
	// ID is the object's O2 id (resourceId, deploymentManagerId, resourcePoolId, oCloudId).
	ID string
	// TypeID is the O2 id of the object's type (resourceTypeId for a Resource; v1
	// resourceTypeID, v2 objectTypeId); empty when the class has no type.
	TypeID string
	// Namespace is where the object lives, and so where its alarms are stored.
	Namespace string
}

// Observation is one source's report that a fault is present (Active) or gone.
type Observation struct {
	// Source names the source ("node-conditions", "certificates", "alertmanager").
	Source string
	// Key identifies the fault within the source and stays the same for as long as it is the
	// same fault: node uid and condition type, secret uid, alert fingerprint.
	Key string
	// Object is the faulty O2 object.
	Object ObjectRef
	// Definition is the alarmName of the AlarmDefinition (e.g. "CLUSTERNODE_CRITICAL", or an
	// alert name for definitions taken from PrometheusRules).
	Definition string
	// ProbableCause is the probable cause code (e.g. "NODE_DOWN"); empty when unknown.
	ProbableCause string
	// Severity while active; ignored when !Active.
	Severity Severity
	// Active is true while the fault is present.
	Active bool
	// Since is when the fault began (condition lastTransitionTime, alert startsAt), or, when
	// !Active, when it ended. Together with Source and Key it identifies one occurrence, so an
	// alarm's id is the same across restarts, re-syncs and a wiped store.
	Since time.Time
	// Started is, when !Active, when the occurrence that ended began (an alert's startsAt), so
	// a late resolution of an earlier occurrence is told from the end of the current one; zero
	// when the source does not know it.
	Started time.Time
	// Occurrences, on an active observation, says that Since tells the source's occurrences
	// apart (an alert's startsAt): one whose Since is after the active alarm of its fault was
	// raised is a new occurrence, the alarm's having ended unseen (a resolution sent while no
	// netweave leader ran), and the alarm is cleared and raised anew. False where Since moves
	// within one fault (a node condition's lastTransitionTime when Ready goes from False to
	// Unknown): a later Since then changes nothing.
	Occurrences bool
	// Text says what happened, for humans (condition message, alert summary).
	Text string
	// Extensions are extra key-value pairs carried into the alarm's extensions.
	Extensions map[string]string
}

// Sink records observations as alarms.
type Sink interface {
	// Observe raises, changes or clears the alarm of one observation.
	Observe(ctx context.Context, o Observation) error
	// Sync states the complete set of faults source had active at asOf (when the source read
	// them): every alarm of source that is not among them is cleared, unless it was raised
	// after asOf, by an Observe that raced with the read. Sources call it after a (re)list, so
	// a missed event never leaves a stale alarm.
	Sync(ctx context.Context, source string, active []Observation, asOf time.Time) error
	// SyncScope is Sync for the part of source's alarms within scope: every alarm of source
	// within scope that is not among active is cleared (unless raised after asOf); the others
	// are left as they are. A source that has read only part of what it watches (a namespace
	// it may not read) states that part this way, so an alarm of the part read clears without
	// waiting for the rest, and none of the rest is cleared for want of it.
	SyncScope(ctx context.Context, source string, active []Observation, asOf time.Time, scope Scope) error
}

// Scope tells, from a recorded alarm's Observation.Key and the Observation.Extensions it was
// raised with, whether the alarm is within what its source has read.
type Scope func(key string, extensions map[string]string) bool

// Source watches one kind of fault and reports to a Sink. Sources run only on the leader.
type Source interface {
	// Name is the Observation.Source of everything it reports.
	Name() string
	// Run reports to sink until ctx is done.
	Run(ctx context.Context, sink Sink) error
	// Restate asks a running source to state its active faults again soon (Sink.Sync), as it
	// does periodically, because stored alarms of it vanished without being deleted (a wiped
	// or rolled-back store); nothing when the source is not running. It does not block.
	Restate()
}
