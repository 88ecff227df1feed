// Package source gives the O2 translator read access to the o2ims.oran.org objects: shared
// informers on the aggregated API, indexed by O2 id (a GET by id is a map lookup) and by the
// fields SMOs filter on most (the same keys as the API's field selectors, so an O2 filter term
// on such a field narrows the candidates through an index instead of a scan).
package source

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/fieldpath"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
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
)

// idField is the field holding each kind's O2 id: the first selectable field of every kind.
func idField(kind Kind) string { return v1alpha1.SelectableFieldsOf(string(kind))[0] }

const idIndex = "o2id"

// Source serves O2 objects from informer caches.
type Source struct {
	factory   externalversions.SharedInformerFactory
	informers map[Kind]cache.SharedIndexInformer
}

// New prepares informers for every kind; nothing runs until Start.
func New(client versioned.Interface, resync time.Duration) (*Source, error) {
	f := externalversions.NewSharedInformerFactory(client, resync)
	v := f.O2ims().V1alpha1()
	s := &Source{factory: f, informers: map[Kind]cache.SharedIndexInformer{
		OCloud:                v.OClouds().Informer(),
		ResourceType:          v.ResourceTypes().Informer(),
		ResourcePool:          v.ResourcePools().Informer(),
		Resource:              v.O2Resources().Informer(),
		DeploymentManager:     v.DeploymentManagers().Informer(),
		Location:              v.Locations().Informer(),
		OCloudSite:            v.OCloudSites().Informer(),
		InventorySubscription: v.InventorySubscriptions().Informer(),
	}}
	for kind, inf := range s.informers {
		indexers := cache.Indexers{idIndex: indexBy(idField(kind))}
		for _, f := range v1alpha1.SelectableFieldsOf(string(kind)) {
			indexers[f] = indexBy(f)
		}
		if err := inf.AddIndexers(indexers); err != nil {
			return nil, fmt.Errorf("index %s: %w", kind, err)
		}
	}
	return s, nil
}

// indexBy indexes objects by the value at a field path, in IndexValue form.
func indexBy(path string) cache.IndexFunc {
	return func(obj interface{}) ([]string, error) {
		v, err := fieldpath.Value(obj, path)
		if err != nil || v == "" {
			return nil, err
		}
		return []string{IndexValue(v)}, nil
	}
}

// Start runs the informers until ctx is done.
func (s *Source) Start(ctx context.Context) { s.factory.Start(ctx.Done()) }

// Shutdown waits for the informers to stop after the context given to Start is done.
func (s *Source) Shutdown() { s.factory.Shutdown() }

// HasSynced reports whether every informer has its initial list.
func (s *Source) HasSynced() bool {
	for _, inf := range s.informers {
		if !inf.HasSynced() {
			return false
		}
	}
	return true
}

// Get returns the object of kind with O2 id id, or false.
func (s *Source) Get(kind Kind, id string) (runtime.Object, bool) {
	objs, err := s.informers[kind].GetIndexer().ByIndex(idIndex, IndexValue(id))
	if err != nil || len(objs) == 0 {
		return nil, false
	}
	// Ids are unique per kind; should two objects ever claim one, answer deterministically.
	return pickFirst(objs), true
}

// List returns the objects of kind in namespace ("" for all) that match sel. Exact-match
// requirements on indexed fields pick candidates from the index; the rest are checked on
// each candidate.
func (s *Source) List(kind Kind, namespace string, sel fields.Selector) ([]runtime.Object, error) {
	idx := s.informers[kind].GetIndexer()
	var candidates []interface{}
	indexed := false
	if sel != nil {
		for _, r := range sel.Requirements() {
			if r.Operator != "=" && r.Operator != "==" {
				continue
			}
			if _, ok := idx.GetIndexers()[r.Field]; !ok {
				continue
			}
			objs, err := idx.ByIndex(r.Field, r.Value)
			if err != nil {
				return nil, fmt.Errorf("list %s by %s: %w", kind, r.Field, err)
			}
			candidates, indexed = objs, true
			break
		}
	}
	if !indexed {
		if namespace != "" {
			objs, err := idx.ByIndex(cache.NamespaceIndex, namespace)
			if err != nil {
				return nil, fmt.Errorf("list %s in %s: %w", kind, namespace, err)
			}
			candidates = objs
		} else {
			candidates = idx.List()
		}
	}
	out := make([]runtime.Object, 0, len(candidates))
	for _, c := range candidates {
		obj := c.(runtime.Object)
		if namespace != "" && namespaceOf(obj) != namespace {
			continue
		}
		if sel != nil && !sel.Empty() {
			ok, err := s.matches(obj, sel)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		out = append(out, obj)
	}
	sortByNamespacedName(out)
	return out, nil
}

func (s *Source) matches(obj runtime.Object, sel fields.Selector) (bool, error) {
	set := fields.Set{}
	for _, r := range sel.Requirements() {
		v, err := fieldpath.Value(obj, r.Field)
		if err != nil {
			return false, err
		}
		set[r.Field] = IndexValue(v)
	}
	return sel.Matches(set), nil
}

// IndexValue is the form a value takes in the indexes: UUIDs fold to lower case (O2 compares
// them case-insensitively), anything else is kept exactly.
func IndexValue(v string) string {
	if isUUID(v) {
		return strings.ToLower(v)
	}
	return v
}

// Key is the namespace/name of an object, the order lists are served in.
func Key(obj runtime.Object) string {
	return namespaceOf(obj) + "/" + nameOf(obj)
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
