package recorder

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// The recorder's indexes of the AlarmEventRecord informer: every record of one fault, in any
// namespace (the cleared ones of earlier occurrences too), and every record of one source.
const (
	faultIndex  = "alarms.netweave.io/fault"
	sourceIndex = "alarms.netweave.io/source"
)

// faultKey identifies a fault, wherever its records are: the object it is about may move to
// another namespace (a node claimed by an admin pool's namespace), and its alarm with it.
func faultKey(source, key string) string {
	return source + "\x00" + key
}

func recordFault(rec *v1alpha1.AlarmEventRecord) string {
	return faultKey(rec.Spec.Source.Name, rec.Spec.Source.Key)
}

// placeKey identifies a fault in one namespace: what Sync was told is active where.
func placeKey(namespace, source, key string) string {
	return namespace + "\x00" + faultKey(source, key)
}

// recorded reports whether rec is a record the recorder wrote: named by its alarmEventRecordId,
// an id derived in the O-Cloud's id space (alarms.RecordID: a name-based UUIDv5). A namespace
// admin of a node pool namespace may create records there naming any source and key, but not
// their id: outside the inventory namespace the server assigns a random UUIDv4 to anyone but a
// cluster superuser (kind.Tenancy), and a record's name that differs from its id is no
// recorder's either. Such a look-alike must neither stand in for the O-Cloud's alarm nor be
// changed by it. The derivation itself cannot be checked again: the occurrence's start is part
// of the id with nanoseconds, the stored alarmRaisedTime has seconds.
func recorded(rec *v1alpha1.AlarmEventRecord) bool {
	return validation.IsOCloudAlarmRecord(rec.Name, rec.Spec.AlarmEventRecordID)
}

// indexByFault indexes the records the recorder wrote in the namespaces it keeps alarms in
// (keep): a tenant's records of the same source and key are someone else's, and must not make
// every lookup of the operator's fault longer.
func indexByFault(keep func(namespace string) bool) cache.IndexFunc {
	return func(obj any) ([]string, error) {
		rec, ok := obj.(*v1alpha1.AlarmEventRecord)
		if !ok {
			return nil, fmt.Errorf("index alarm by fault: %T is not an AlarmEventRecord", obj)
		}
		if !keep(rec.Namespace) || !recorded(rec) {
			return nil, nil
		}
		return []string{recordFault(rec)}, nil
	}
}

func indexBySource(obj any) ([]string, error) {
	rec, ok := obj.(*v1alpha1.AlarmEventRecord)
	if !ok {
		return nil, fmt.Errorf("index alarm by source: %T is not an AlarmEventRecord", obj)
	}
	return []string{rec.Spec.Source.Name}, nil
}

// latest returns the record the next observation of fault source/key applies to: the fault's
// active record if it has one, else its most recently raised one; nil when it never had any.
// Records the recorder wrote in the namespaces it keeps alarms in count (the object may have
// moved between them); a record of the same source and key elsewhere, or one a tenant created
// (recorded), is someone else's.
func (r *Recorder) latest(source, key string) (*v1alpha1.AlarmEventRecord, error) {
	fault := faultKey(source, key)
	objs, err := r.cfg.Records.GetIndexer().ByIndex(faultIndex, fault)
	if err != nil {
		return nil, fmt.Errorf("look up alarms of %s/%s: %w", source, key, err)
	}
	var best *v1alpha1.AlarmEventRecord
	for _, rec := range r.written.merge(fault, objs) {
		if !r.cfg.Namespaces(rec.Namespace) || !recorded(rec) {
			continue
		}
		if best == nil || newer(rec, best) {
			best = rec
		}
	}
	return best, nil
}

// activeOf returns the active records of source the recorder wrote in the namespaces it keeps
// alarms in: Sync clears those, never a tenant's.
func (r *Recorder) activeOf(source string) ([]*v1alpha1.AlarmEventRecord, error) {
	objs, err := r.cfg.Records.GetIndexer().ByIndex(sourceIndex, source)
	if err != nil {
		return nil, fmt.Errorf("look up alarms of source %s: %w", source, err)
	}
	byFault := map[string][]any{}
	for _, obj := range objs {
		if rec, ok := obj.(*v1alpha1.AlarmEventRecord); ok && r.cfg.Namespaces(rec.Namespace) && recorded(rec) {
			byFault[recordFault(rec)] = append(byFault[recordFault(rec)], obj)
		}
	}
	for _, fault := range r.written.faultsOf(source) {
		if _, ok := byFault[fault]; !ok {
			byFault[fault] = nil
		}
	}
	var out []*v1alpha1.AlarmEventRecord
	for fault, objs := range byFault {
		for _, rec := range r.written.merge(fault, objs) {
			if rec.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared && r.cfg.Namespaces(rec.Namespace) && recorded(rec) {
				out = append(out, rec)
			}
		}
	}
	return out, nil
}

// newer orders the records of one fault: an active one first, then the later raised.
func newer(a, b *v1alpha1.AlarmEventRecord) bool {
	aActive := a.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared
	bActive := b.Status.PerceivedSeverity != v1alpha1.PerceivedSeverityCleared
	if aActive != bActive {
		return aActive
	}
	at, bt := a.Status.AlarmRaisedTime, b.Status.AlarmRaisedTime
	switch {
	case at == nil:
		return false
	case bt == nil:
		return true
	}
	return bt.Before(at)
}

// writtenRecords remembers, per fault, the records the recorder wrote (or re-read) that its
// informer had not caught up with, and forgets each once the informer holds that version or a
// later one. netweave's resourceVersions are one revision counter, so they compare as numbers.
type writtenRecords struct {
	mu      sync.Mutex
	byFault map[string]map[string]*v1alpha1.AlarmEventRecord // fault → namespace/name → record
}

func newWrittenRecords() *writtenRecords {
	return &writtenRecords{byFault: map[string]map[string]*v1alpha1.AlarmEventRecord{}}
}

func (w *writtenRecords) put(rec *v1alpha1.AlarmEventRecord) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f := recordFault(rec)
	if w.byFault[f] == nil {
		w.byFault[f] = map[string]*v1alpha1.AlarmEventRecord{}
	}
	if old, ok := w.byFault[f][nameOf(rec)]; !ok || revision(old) <= revision(rec) {
		w.byFault[f][nameOf(rec)] = rec
	}
}

// merge returns the fault's records: the informer's objs, each replaced by the remembered
// version when that one is newer.
func (w *writtenRecords) merge(fault string, objs []any) []*v1alpha1.AlarmEventRecord {
	w.mu.Lock()
	defer w.mu.Unlock()
	mine := w.byFault[fault]
	out := make([]*v1alpha1.AlarmEventRecord, 0, len(objs)+len(mine))
	seen := make(map[string]bool, len(objs))
	for _, obj := range objs {
		rec, ok := obj.(*v1alpha1.AlarmEventRecord)
		if !ok {
			continue
		}
		seen[nameOf(rec)] = true
		if m, ok := mine[nameOf(rec)]; ok && revision(m) > revision(rec) {
			out = append(out, m)
			continue
		}
		out = append(out, rec)
	}
	for name, m := range mine {
		if !seen[name] {
			out = append(out, m)
		}
	}
	return out
}

// seen forgets what the informer now holds (rec, at that version or later).
func (w *writtenRecords) seen(rec *v1alpha1.AlarmEventRecord) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f := recordFault(rec)
	if m, ok := w.byFault[f][nameOf(rec)]; ok && revision(m) <= revision(rec) {
		w.forgetLocked(f, nameOf(rec))
	}
}

// gone forgets a deleted record (retention, a purge).
func (w *writtenRecords) gone(rec *v1alpha1.AlarmEventRecord) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.forgetLocked(recordFault(rec), nameOf(rec))
}

func (w *writtenRecords) forgetLocked(fault, name string) {
	delete(w.byFault[fault], name)
	if len(w.byFault[fault]) == 0 {
		delete(w.byFault, fault)
	}
}

// len is how many records are remembered, for tests and the memory bound.
func (w *writtenRecords) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, recs := range w.byFault {
		n += len(recs)
	}
	return n
}

// faultsOf returns source's faults with remembered records.
func (w *writtenRecords) faultsOf(source string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var faults []string
	for fault, recs := range w.byFault {
		for _, rec := range recs {
			if rec.Spec.Source.Name == source {
				faults = append(faults, fault)
			}
			break
		}
	}
	return faults
}

// nameOf keys a remembered record: the fault's records may be in more than one namespace.
func nameOf(rec *v1alpha1.AlarmEventRecord) string {
	return rec.Namespace + "/" + rec.Name
}

func revision(rec *v1alpha1.AlarmEventRecord) uint64 {
	n, _ := strconv.ParseUint(rec.ResourceVersion, 10, 64)
	return n
}

// recordExtensions are the string extensions of rec, as its source gave them (alarms.record
// stores each as a JSON string); a value that is not a string is left out.
func recordExtensions(rec *v1alpha1.AlarmEventRecord) map[string]string {
	out := make(map[string]string, len(rec.Spec.Extensions))
	for k, v := range rec.Spec.Extensions {
		var s string
		if json.Unmarshal(v.Raw, &s) == nil {
			out[k] = s
		}
	}
	return out
}
