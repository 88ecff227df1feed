// Package recorder records what alarm sources observe as AlarmEventRecords: it is the one
// alarms.Sink behind every source, and the only writer of an alarm's status.
package recorder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	"k8s.io/utils/keymutex"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	o2client "github.com/netweave-io/netweave/generated/clientset/versioned/typed/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/alarms"
)

// Config is what a Recorder writes with and reads from.
type Config struct {
	// Client writes AlarmEventRecords (netweave's own identity).
	Client o2client.AlarmEventRecordsGetter
	// Records is the AlarmEventRecord informer of the process's shared factory; New adds the
	// recorder's indexes to it, so it must not have started yet.
	Records cache.SharedIndexInformer
	// Definitions resolves an observation's definition and probable cause in the dictionaries.
	Definitions Definitions
	// IDs is the O-Cloud's id space (inventory.IDs), in which alarm ids are derived.
	IDs alarms.IDSpace
	// Namespaces says where the recorder keeps alarms: the inventory namespace and the
	// namespaces whose pools may hold Nodes (inventory.NodePoolNamespaces.Allows). A record
	// anywhere else was not written by the recorder, whatever source it names: a tenant's
	// look-alike of a node alarm must neither stand in for the real one nor be changed by it.
	Namespaces func(namespace string) bool
	// Clock is the recorder's time; nil is the real one.
	Clock clock.PassiveClock
	// Metrics counts what the recorder writes; nil counts nothing.
	Metrics *Metrics
}

// Recorder implements alarms.Sink. Observations of one fault are applied one at a time, in
// the order they arrive; different faults proceed in parallel.
type Recorder struct {
	cfg Config
	// locks serializes the observations of one fault (source and key, hashed onto a fixed set).
	locks keymutex.KeyMutex
	// written holds the records this recorder wrote that its informer may not have seen yet,
	// so an observation that follows a write at once (a clear right after the raise) decides
	// on the record as written, not on the informer's older copy.
	written *writtenRecords
	// ended holds the occurrences whose resolution arrived before their firing.
	ended *tombstones
}

var _ alarms.Sink = (*Recorder)(nil)

// New returns a recorder over cfg; it adds its indexes to cfg.Records.
func New(cfg Config) (*Recorder, error) {
	if cfg.Client == nil || cfg.Records == nil || cfg.Definitions == nil || cfg.IDs == nil || cfg.Namespaces == nil {
		return nil, errors.New("alarm recorder: client, records informer, definitions, id space and namespaces are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	r := &Recorder{cfg: cfg, locks: keymutex.NewHashed(64), written: newWrittenRecords(), ended: newTombstones()}
	keep := func(namespace string) bool { return r.cfg.Namespaces(namespace) }
	if err := cfg.Records.AddIndexers(cache.Indexers{faultIndex: indexByFault(keep), sourceIndex: indexBySource}); err != nil {
		return nil, fmt.Errorf("alarm recorder: index alarm records: %w", err)
	}
	if _, err := cfg.Records.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { r.informerHas(obj) },
		UpdateFunc: func(_, obj any) { r.informerHas(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if rec, ok := obj.(*v1alpha1.AlarmEventRecord); ok {
				r.written.gone(rec)
			}
		},
	}); err != nil {
		return nil, fmt.Errorf("alarm recorder: watch alarm records: %w", err)
	}
	return r, nil
}

func (r *Recorder) informerHas(obj any) {
	if rec, ok := obj.(*v1alpha1.AlarmEventRecord); ok {
		r.written.seen(rec)
	}
}

// maxAttempts bounds how often one observation re-reads its record after a write lost a race
// (an operator acknowledged it meanwhile, another replica raised it first).
const maxAttempts = 4

// Observe raises, changes or clears the alarm of o.
func (r *Recorder) Observe(ctx context.Context, o alarms.Observation) error {
	return r.observe(ctx, o, time.Time{}, "")
}

// observe is Observe of an observation its source read at asOf (zero: now), which an alarm
// cleared since may have overtaken (alarms.Overtaken). With only ("namespace/name"), the
// observation is about that record: when the fault's latest record is another, it is left
// alone.
func (r *Recorder) observe(ctx context.Context, o alarms.Observation, asOf time.Time, only string) error {
	if err := r.validate(o); err != nil {
		return err
	}
	// The API refuses a record whose extensions are over its bounds, and would on every retry:
	// one source's oversized extensions must cost it some of them, not its alarm.
	o.Extensions = boundExtensions(o.Extensions)
	lockKey := faultKey(o.Source, o.Key)
	r.locks.LockKey(lockKey)
	defer func() { _ = r.locks.UnlockKey(lockKey) }()
	for attempt := 1; ; attempt++ {
		current, err := r.latest(o.Source, o.Key)
		if err != nil {
			return err
		}
		if only != "" && (current == nil || current.Namespace+"/"+current.Name != only) {
			klog.FromContext(ctx).V(2).Info("Fault has a later record than the one observed; left alone",
				"source", o.Source, "key", o.Key, "observed", only)
			return nil
		}
		now := r.cfg.Clock.Now()
		if !asOf.IsZero() && alarms.Overtaken(r.cfg.IDs, current, o, asOf) {
			return nil
		}
		if o.Active && r.ended.ended(o.Source, o.Key, o.Since, asOf, now) {
			// Its resolution came first (HA Alertmanager peers, a retried delivery): raised
			// now, the alarm would never be cleared.
			klog.FromContext(ctx).V(2).Info("Fault reported active after its occurrence was reported ended; not raised",
				"source", o.Source, "key", o.Key, "since", o.Since)
			return nil
		}
		decided := o
		// The object moved to another namespace (an admin pool's namespace claimed its node)
		// with its fault active: the alarm is cleared where the object was, then, decided
		// again, raised anew where it is, under the id of the clear.
		moved := o.Active && current != nil && current.Namespace != o.Object.Namespace &&
			current.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared
		if moved {
			decided.Active, decided.Since = false, now
		}
		t := alarms.Observe(r.cfg.IDs, current, decided, r.cfg.Definitions.Lookup(o), now)
		if t.Record == nil {
			if !o.Active && !o.Started.IsZero() && !recordedSince(current, o.Started) {
				// Nothing to clear: the occurrence's firing may still be on its way. Not when
				// the occurrence has its record, cleared (a duplicate resolution, both HA
				// peers sending it): a later firing with the old start (Prometheus restored
				// the alert's state) is then the fault again, and is raised.
				r.ended.put(o.Source, o.Key, o.Started, now)
			}
			return nil
		}
		err = r.write(ctx, t)
		if err == nil && (moved || o.Active && t.Event == alarms.EventClear) {
			// Cleared where it was, or an earlier occurrence cleared (alarms.Observe): the
			// observation is decided again, and raised.
			continue
		}
		if err == nil || attempt >= maxAttempts || !(apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)) {
			return err
		}
		// Someone else wrote the record first: read it back and decide again.
		if err := r.refresh(ctx, t.Record.Namespace, t.Record.Name); err != nil {
			return err
		}
	}
}

// Sync clears every active alarm of source whose fault is not among active and that was raised
// before asOf, and records those that are. Creation times have second precision, so an alarm
// raised in asOf's second is left for the next Sync.
func (r *Recorder) Sync(ctx context.Context, source string, active []alarms.Observation, asOf time.Time) error {
	return r.sync(ctx, source, active, asOf, nil)
}

// SyncScope is Sync for the alarms of source within scope; the others are left as they are.
func (r *Recorder) SyncScope(ctx context.Context, source string, active []alarms.Observation, asOf time.Time, scope alarms.Scope) error {
	if scope == nil {
		return fmt.Errorf("sync %s: no scope", source)
	}
	return r.sync(ctx, source, active, asOf, scope)
}

// sync is Sync within scope; every alarm of source when scope is nil.
func (r *Recorder) sync(ctx context.Context, source string, active []alarms.Observation, asOf time.Time, scope alarms.Scope) error {
	present := make(map[string]bool, len(active))
	var errs []error
	for _, o := range active {
		if o.Source != source {
			errs = append(errs, fmt.Errorf("sync %s: observation of source %q", source, o.Source))
			continue
		}
		present[placeKey(o.Object.Namespace, o.Source, o.Key)] = true
		if err := r.observe(ctx, o, asOf, ""); err != nil {
			errs = append(errs, err)
		}
	}
	stale, err := r.activeOf(source)
	if err != nil {
		return err
	}
	now := r.cfg.Clock.Now()
	for _, rec := range stale {
		if present[placeKey(rec.Namespace, rec.Spec.Source.Name, rec.Spec.Source.Key)] || !rec.CreationTimestamp.Time.Before(asOf.Truncate(time.Second)) {
			continue
		}
		if scope != nil && !scope(rec.Spec.Source.Key, recordExtensions(rec)) {
			continue
		}
		if err := r.clearStale(ctx, rec, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// clearStale clears rec, an alarm of its source that the source no longer reports, at now.
// Only rec: between the look-up of the stale alarms and this clear, the source may have
// reported the fault ended and raised again (a new occurrence, a later record, which the list
// the source read predates); clearing the fault's latest record then would clear that one.
func (r *Recorder) clearStale(ctx context.Context, rec *v1alpha1.AlarmEventRecord, now time.Time) error {
	gone := alarms.Observation{Source: rec.Spec.Source.Name, Key: rec.Spec.Source.Key, Object: objectOf(rec), Since: now}
	return r.observe(ctx, gone, time.Time{}, rec.Namespace+"/"+rec.Name)
}

// write creates or updates the record of t: a new alarm in one create that carries its status,
// a change or clear through the status subresource (the main endpoint keeps status out of a
// client's reach).
func (r *Recorder) write(ctx context.Context, t alarms.Transition) error {
	rec := t.Record
	api := r.cfg.Client.AlarmEventRecords(rec.Namespace)
	var (
		out *v1alpha1.AlarmEventRecord
		err error
	)
	if t.Create {
		out, err = api.Create(ctx, rec, metav1.CreateOptions{FieldManager: fieldManager})
	} else {
		out, err = api.UpdateStatus(ctx, rec, metav1.UpdateOptions{FieldManager: fieldManager})
	}
	r.cfg.Metrics.written(t, err)
	if err != nil {
		return fmt.Errorf("record alarm %s (%s/%s): %w", rec.Spec.AlarmEventRecordID, rec.Spec.Source.Name, rec.Spec.Source.Key, err)
	}
	klog.FromContext(ctx).V(2).Info("Alarm recorded", "alarm", klog.KObj(out), "event", t.Event,
		"source", rec.Spec.Source.Name, "key", rec.Spec.Source.Key, "severity", out.Status.PerceivedSeverity)
	r.written.put(out)
	return nil
}

// refresh reads the record back from the API after a lost race.
func (r *Recorder) refresh(ctx context.Context, namespace, name string) error {
	rec, err := r.cfg.Client.AlarmEventRecords(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("re-read alarm %s/%s: %w", namespace, name, err)
	}
	r.written.put(rec)
	return nil
}

// recordedSince reports whether rec, the fault's latest record, was raised for the occurrence
// begun at started or a later one: raised then or since (the stored time has second precision).
func recordedSince(rec *v1alpha1.AlarmEventRecord, started time.Time) bool {
	if rec == nil || rec.Status.AlarmRaisedTime == nil {
		return false
	}
	return !rec.Status.AlarmRaisedTime.Time.Before(started.Truncate(time.Second))
}

func validate(o alarms.Observation) error {
	switch {
	case o.Source == "" || o.Key == "":
		return fmt.Errorf("observation without source or key: %+v", o)
	case o.Object.ID == "" || o.Object.Namespace == "" || o.Object.Class == "":
		return fmt.Errorf("observation %s/%s names no object", o.Source, o.Key)
	}
	return nil
}

func (r *Recorder) validate(o alarms.Observation) error {
	if err := validate(o); err != nil {
		return err
	}
	if !r.cfg.Namespaces(o.Object.Namespace) {
		return fmt.Errorf("observation %s/%s: alarms are not kept in namespace %q", o.Source, o.Key, o.Object.Namespace)
	}
	return nil
}

// boundExtensions returns ext within the API's bounds of spec.extensions: keys in order, one
// that is empty or too long left out, a value cut (on a rune boundary) to what room is left.
// ext itself, which the source may keep, is not changed.
func boundExtensions(ext map[string]string) map[string]string {
	if withinBounds(ext) {
		return ext
	}
	out := make(map[string]string, len(ext))
	size := 0
	for _, k := range slices.Sorted(maps.Keys(ext)) {
		if k == "" || len(k) > validation.MaxExtensionKeyLength {
			continue
		}
		v := ext[k]
		for {
			raw, _ := json.Marshal(v) // a string always marshals
			over := size + validation.ExtensionEntrySize(k, raw) - validation.MaxExtensionsBytes
			if over <= 0 {
				out[k] = v
				size += validation.ExtensionEntrySize(k, raw)
				break
			}
			if v == "" {
				break
			}
			// Escaping may make the value longer than its bytes; cut again until it fits.
			v = alarms.Cut(v, max(len(v)-over, 0))
		}
	}
	return out
}

// withinBounds tells whether ext is within the API's bounds as it is: what every source's
// extensions are, so that the common case costs no copy.
func withinBounds(ext map[string]string) bool {
	size := 0
	for k, v := range ext {
		if k == "" || len(k) > validation.MaxExtensionKeyLength {
			return false
		}
		raw, _ := json.Marshal(v) // a string always marshals
		size += validation.ExtensionEntrySize(k, raw)
	}
	return size <= validation.MaxExtensionsBytes
}

func objectOf(rec *v1alpha1.AlarmEventRecord) alarms.ObjectRef {
	return alarms.ObjectRef{Class: rec.Spec.ObjectClass, ID: rec.Spec.ObjectID, TypeID: rec.Spec.ObjectTypeID, Namespace: rec.Namespace}
}

// fieldManager names the recorder in managedFields.
const fieldManager = "netweave-alarms"
