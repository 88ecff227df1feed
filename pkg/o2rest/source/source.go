// Package source gives the O2 translator read access to the o2ims.oran.org objects: shared
// informers on the aggregated API, indexed by O2 id (a GET by id is a map lookup) and by the
// fields SMOs filter on most (the same keys as the API's field selectors, so an O2 filter term
// on such a field narrows the candidates through an index instead of a scan).
//
// Fields whose values are unique or nearly so (the O2 ids, asset and consumer subscription
// ids) are indexed by hash bucket (pkg/hashindex) instead of by value: client-go's index keeps
// a set per value, ~200 bytes for each object with a unique value, where a bucket's set costs
// ~30 bytes per object. A GET by id reads the store by key through a hashindex.Cache.
package source

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/fieldvalue"
	"github.com/netweave-io/netweave/pkg/hashindex"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// Kind names an O2 object kind as the scheme does (v1alpha1 kind names).
type Kind string

// The kinds the translator serves.
const (
	OCloud                Kind = "OCloud"
	ResourceType          Kind = "ResourceType"
	ResourcePool          Kind = "ResourcePool"
	Resource              Kind = "Resource"
	DeploymentManager     Kind = "DeploymentManager"
	Location              Kind = "Location"
	OCloudSite            Kind = "OCloudSite"
	InventorySubscription Kind = "InventorySubscription"
	AlarmDictionary       Kind = "AlarmDictionary"
	AlarmEventRecord      Kind = "AlarmEventRecord"
	AlarmSubscription     Kind = "AlarmSubscription"
	// AlarmServiceConfiguration is the cluster-scoped singleton; it has no O2 id, so Get
	// finds nothing and List is how it is read.
	AlarmServiceConfiguration Kind = "AlarmServiceConfiguration"
	AlarmPurge                Kind = "AlarmPurge"
	// ProvisioningRequest ids are unique per namespace only (the SMO chooses them): read one
	// with List in its namespace, not Get.
	ProvisioningRequest             Kind = "ProvisioningRequest"
	ManagedInfrastructureTemplate   Kind = "ManagedInfrastructureTemplate"
	ProvisioningRequestSubscription Kind = "ProvisioningRequestSubscription"
)

// idField is the field holding each kind's O2 id: the first selectable field of every kind that
// has one ("" for the AlarmServiceConfiguration singleton).
func idField(kind Kind) string {
	if fields := v1alpha1.SelectableFieldsOf(string(kind)); len(fields) > 0 {
		return fields[0]
	}
	return ""
}

// hashed reports whether kind's selectable field path is indexed by hash bucket: its O2 id
// (unique per kind, or per namespace for a ProvisioningRequest) and the fields whose values
// are (nearly) unique per object. The other fields (references to pools, types, sites;
// states) take few values, shared by many objects, where client-go's index by value is
// compact and answers a filter exactly.
func hashed(kind Kind, path string) bool {
	if path == idField(kind) {
		return true
	}
	switch path {
	case "spec.globalAssetId", "spec.consumerSubscriptionId":
		return true
	}
	return false
}

// Source serves O2 objects from informer caches.
type Source struct {
	informers map[Kind]cache.SharedIndexInformer
	// ids finds objects by O2 id, per kind with an id field.
	ids  map[Kind]*hashindex.Cache
	memo *memo
	// synced latches once every informer has its initial list (an informer never un-syncs),
	// so the check on every O2 request is one atomic load instead of a walk over the informers.
	synced atomic.Bool
}

// New reads every kind from the informers of f (the process's O2 informers), adding its
// indexes and handlers to them; f must not have started yet, and whoever owns it starts it.
func New(f externalversions.SharedInformerFactory) (*Source, error) {
	v := f.O2ims().V1alpha1()
	s := &Source{informers: map[Kind]cache.SharedIndexInformer{
		OCloud:                v.OClouds().Informer(),
		ResourceType:          v.ResourceTypes().Informer(),
		ResourcePool:          v.ResourcePools().Informer(),
		Resource:              v.O2Resources().Informer(),
		DeploymentManager:     v.DeploymentManagers().Informer(),
		Location:              v.Locations().Informer(),
		OCloudSite:            v.OCloudSites().Informer(),
		InventorySubscription: v.InventorySubscriptions().Informer(),
		AlarmDictionary:       v.AlarmDictionaries().Informer(),
		AlarmEventRecord:      v.AlarmEventRecords().Informer(),
		AlarmSubscription:     v.AlarmSubscriptions().Informer(),
		// The singleton is read by a list of one; an informer keeps GETs off the API.
		AlarmServiceConfiguration:       v.AlarmServiceConfigurations().Informer(),
		AlarmPurge:                      v.AlarmPurges().Informer(),
		ProvisioningRequest:             v.ProvisioningRequests().Informer(),
		ManagedInfrastructureTemplate:   v.ManagedInfrastructureTemplates().Informer(),
		ProvisioningRequestSubscription: v.ProvisioningRequestSubscriptions().Informer(),
	}, ids: map[Kind]*hashindex.Cache{}, memo: &memo{m: map[types.UID]map[string]memoEntry{}}}
	for kind, inf := range s.informers {
		indexers := cache.Indexers{}
		for _, f := range v1alpha1.SelectableFieldsOf(string(kind)) {
			switch {
			case hashed(kind, f):
				indexers[hashindex.Name(f)] = hashindex.IndexFunc(hashindex.Field(f))
			case kind == AlarmEventRecord && f == alarmSeverityField:
				indexers[f] = indexAlarmSeverity
			default:
				indexers[f] = indexBy(f)
			}
		}
		// Another component may have added the same hashed index (same name, same
		// function) to the shared informer already.
		for name := range inf.GetIndexer().GetIndexers() {
			delete(indexers, name)
		}
		if err := inf.AddIndexers(indexers); err != nil {
			return nil, fmt.Errorf("index %s: %w", kind, err)
		}
		var ids *hashindex.Cache
		if f := idField(kind); f != "" {
			ids = hashindex.NewCache(inf.GetIndexer(), hashindex.Name(f), hashindex.Field(f))
			s.ids[kind] = ids
		}
		if _, err := inf.AddEventHandler(s.forgetter(ids)); err != nil {
			return nil, fmt.Errorf("watch %s: %w", kind, err)
		}
	}
	return s, nil
}

// forgetter drops what the Source derived from an object when the informer sees it change or
// go, and what ids (nil for a kind without O2 id) remembers of it.
func (s *Source) forgetter(ids *hashindex.Cache) cache.ResourceEventHandler {
	forgetID := func(obj interface{}, deleted bool) {
		if ids != nil {
			ids.Forget(obj, deleted)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) { forgetID(obj, false) },
		UpdateFunc: func(old, cur interface{}) {
			// Also for a relist's update at the same resourceVersion: a new object.
			forgetID(cur, false)
			if resourceVersion(old) != resourceVersion(cur) { // not a resync
				s.memo.forget(old)
			}
		},
		DeleteFunc: func(obj interface{}) {
			forgetID(obj, true)
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			s.memo.forget(obj)
		},
	}
}

// indexBy indexes objects by the value at a field path, in IndexValue form.
func indexBy(path string) cache.IndexFunc {
	return func(obj interface{}) ([]string, error) {
		v, err := fieldvalue.Value(obj, path)
		if err != nil || v == "" {
			return nil, err
		}
		return []string{IndexValue(v)}, nil
	}
}

// alarmSeverityField is the field the O2 face's perceivedSeverity filter is pushed down to.
const alarmSeverityField = "status.perceivedSeverity"

// indexAlarmSeverity indexes alarms by the perceivedSeverity their O2 document shows, not the
// one stored: an alarm whose clear was accepted reads 5 (CLEARED) before the recorder writes it
// in status (model.AlarmSeverity), and (eq,perceivedSeverity,5) must find it, as the same
// filter evaluated on the document does.
func indexAlarmSeverity(obj interface{}) ([]string, error) {
	a, ok := obj.(*v1alpha1.AlarmEventRecord)
	if !ok {
		return indexBy(alarmSeverityField)(obj)
	}
	return []string{IndexValue(alarmSeverity(a))}, nil
}

func alarmSeverity(a *v1alpha1.AlarmEventRecord) string {
	return strconv.Itoa(int(model.AlarmSeverity(a)))
}

// selectedValue is the value List compares a requirement on path with: the one its index holds,
// so that a requirement answered by the index and one checked on the object (List uses one
// index per request) select the same objects.
func selectedValue(obj runtime.Object, path string) (string, error) {
	if a, ok := obj.(*v1alpha1.AlarmEventRecord); ok && path == alarmSeverityField {
		return alarmSeverity(a), nil
	}
	return fieldvalue.Value(obj, path)
}

// HasSynced reports whether every informer has its initial list.
func (s *Source) HasSynced() bool {
	if s.synced.Load() {
		return true
	}
	for _, inf := range s.informers {
		if !inf.HasSynced() {
			return false
		}
	}
	s.synced.Store(true)
	return true
}

// Get returns the object of kind with O2 id id, or false. Ids are unique per kind; should two
// objects ever claim one, the answer is the one first in Key order.
func (s *Source) Get(kind Kind, id string) (runtime.Object, bool) {
	ids := s.ids[kind]
	if ids == nil {
		return nil, false
	}
	obj, ok := ids.Get(IndexValue(id))
	if !ok {
		return nil, false
	}
	return obj.(runtime.Object), true
}

// GetByName returns the object of kind called name in namespace, or false: for kinds whose O2
// id is unique per namespace only (a ProvisioningRequest's name is its id) or is its name
// (a ManagedInfrastructureTemplate's "<name>.<version>").
func (s *Source) GetByName(kind Kind, namespace, name string) (runtime.Object, bool) {
	obj, found, err := s.informers[kind].GetIndexer().GetByKey(namespace + "/" + name)
	if err != nil || !found {
		return nil, false
	}
	return obj.(runtime.Object), true
}

// List returns the objects of kind in namespace ("" for all) that match sel, ordered by Key.
// An exact-match requirement on an indexed field picks the candidates from the index; the
// other requirements are checked on each candidate.
func (s *Source) List(kind Kind, namespace string, sel fields.Selector) ([]runtime.Object, error) {
	idx := s.informers[kind].GetIndexer()
	var candidates []interface{}
	var reqs fields.Requirements
	if sel != nil {
		reqs = sel.Requirements()
	}
	indexed, exact := -1, false
	for i, r := range reqs {
		if r.Operator != selection.Equals && r.Operator != selection.DoubleEquals {
			continue
		}
		index, value := r.Field, r.Value
		_, exact = idx.GetIndexers()[index]
		if !exact {
			index, value = hashindex.Name(r.Field), hashindex.Bucket(r.Value)
			if _, ok := idx.GetIndexers()[index]; !ok {
				continue
			}
		}
		objs, err := idx.ByIndex(index, value)
		if err != nil {
			return nil, fmt.Errorf("list %s by %s: %w", kind, r.Field, err)
		}
		candidates, indexed = objs, i
		break
	}
	if indexed >= 0 && exact {
		// The index answered this requirement exactly; do not read the field again. (A
		// hashed index's bucket holds other values too: the requirement stays.)
		reqs = append(reqs[:indexed:indexed], reqs[indexed+1:]...)
	} else if indexed < 0 && namespace != "" {
		objs, err := idx.ByIndex(cache.NamespaceIndex, namespace)
		if err != nil {
			return nil, fmt.Errorf("list %s in %s: %w", kind, namespace, err)
		}
		candidates = objs
	} else if indexed < 0 {
		candidates = idx.List()
	}
	keyed := make([]keyedObject, 0, len(candidates))
	for _, c := range candidates {
		obj := c.(runtime.Object)
		m, err := meta.Accessor(obj)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", kind, err)
		}
		if namespace != "" && m.GetNamespace() != namespace {
			continue
		}
		ok, err := matches(obj, reqs)
		if err != nil {
			return nil, err
		}
		if ok {
			keyed = append(keyed, keyedObject{key: m.GetNamespace() + "/" + m.GetName(), obj: obj})
		}
	}
	return sortByKey(keyed), nil
}

// matches evaluates field selector requirements (=, == and != are all a field selector has).
func matches(obj runtime.Object, reqs fields.Requirements) (bool, error) {
	for _, r := range reqs {
		v, err := selectedValue(obj, r.Field)
		if err != nil {
			return false, err
		}
		equal := IndexValue(v) == r.Value
		switch r.Operator {
		case selection.Equals, selection.DoubleEquals:
			if !equal {
				return false, nil
			}
		case selection.NotEquals:
			if equal {
				return false, nil
			}
		default:
			return false, fmt.Errorf("field selector operator %q is not supported", r.Operator)
		}
	}
	return true, nil
}

// Derived returns the value derived from obj under key (e.g. its rendered O2 document),
// computing it once per object version: later calls with the same version share the value, so
// it must not be modified. Values are dropped when the informer sees the object change or go.
func (s *Source) Derived(kind Kind, obj runtime.Object, key string, compute func() (any, error)) (any, error) {
	m, err := meta.Accessor(obj)
	if err != nil || m.GetUID() == "" || m.GetResourceVersion() == "" {
		return compute()
	}
	uid, rv := m.GetUID(), m.GetResourceVersion()
	if v, ok := s.memo.get(uid, key, rv); ok {
		return v, nil
	}
	v, err := compute()
	if err != nil {
		return nil, err
	}
	s.memo.put(uid, key, rv, v)
	// The delete may have been handled between the caller's read and the put: drop the entry
	// again if the object is gone, so entries never outlive their objects.
	if _, exists, err := s.informers[kind].GetIndexer().Get(obj); err == nil && !exists {
		s.memo.forget(obj)
	}
	return v, nil
}

func resourceVersion(obj interface{}) string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return ""
	}
	return m.GetResourceVersion()
}

// memo holds derived values per object (UID) and key, tagged with the resourceVersion they
// were derived from.
type memo struct {
	mu sync.RWMutex
	m  map[types.UID]map[string]memoEntry
}

type memoEntry struct {
	rv string
	v  any
}

func (m *memo) get(uid types.UID, key, rv string) (any, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.m[uid][key]
	if !ok || e.rv != rv {
		return nil, false
	}
	return e.v, true
}

func (m *memo) put(uid types.UID, key, rv string, v any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	byKey := m.m[uid]
	if byKey == nil {
		byKey = map[string]memoEntry{}
		m.m[uid] = byKey
	}
	byKey[key] = memoEntry{rv: rv, v: v}
}

func (m *memo) forget(obj interface{}) {
	o, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, o.GetUID())
}

// IndexValue is the form a value takes in the indexes: UUIDs fold to lower case (O2 compares
// them case-insensitively), anything else is kept exactly.
func IndexValue(v string) string { return hashindex.Fold(v) }

// Key is the namespace/name of an object, the order lists are served in.
func Key(obj runtime.Object) string {
	return namespaceOf(obj) + "/" + nameOf(obj)
}
