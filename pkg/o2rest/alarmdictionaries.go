package o2rest

import (
	"context"
	"maps"
	"net/http"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

// A resource type's alarm dictionary is the one the type names (spec.alarmDictionaryId, which
// its document shows: of the type's namespace or the inventory namespace, as admission checks),
// else the AlarmDictionary whose spec.resourceTypeId is the type's id in the type's namespace,
// or else the standard O-Cloud dictionary (no resourceTypeId) of the inventory namespace.
// Dictionaries are shown to whoever RBAC lets get them in their namespace, whatever the
// apiRoot: a tenant's resource type may fall back to the operator's standard dictionary, which
// only a grant in the inventory namespace reveals.

// dictionaryScope is the reader's scope for dictionaries, not bound to the request's apiRoot.
func (h *handler) dictionaryScope(ctx context.Context) *scope {
	return &scope{h: h, ctx: ctx, verb: "get", resource: model.KindAlarmDictionary.KubernetesResource()}
}

// dictionaryFor returns the visible dictionary of rt, or nil.
func (h *handler) dictionaryFor(sc *scope, rt *v1alpha1.ResourceType) runtime.Object {
	if id := rt.Spec.AlarmDictionaryID; id != "" {
		// The named one or none: another would contradict the type's alarmDictionaryId.
		for _, ns := range []string{rt.Namespace, h.cfg.InventoryNamespace} {
			if dict, found := h.dictionaryBy(sc, ns, "spec.alarmDictionaryId", id); found {
				return dict
			}
		}
		return nil
	}
	if id := rt.Spec.ResourceTypeID; id != "" {
		if dict, found := h.dictionaryBy(sc, rt.Namespace, "spec.resourceTypeId", id); found {
			return dict
		}
	}
	if h.cfg.InventoryNamespace == "" || !sc.permits(h.cfg.InventoryNamespace) {
		return nil
	}
	objs, err := h.cfg.Source.List(source.AlarmDictionary, h.cfg.InventoryNamespace, nil)
	if err != nil {
		return nil
	}
	for _, obj := range objs {
		if obj.(*v1alpha1.AlarmDictionary).Spec.ResourceTypeID == "" {
			return obj
		}
	}
	return nil
}

// dictionaryBy finds the dictionary of namespace ns whose field is id: found tells whether
// there is one, dict is it when sc sees it (nil otherwise).
func (h *handler) dictionaryBy(sc *scope, ns, field, id string) (dict runtime.Object, found bool) {
	if ns == "" {
		return nil, false
	}
	objs, err := h.cfg.Source.List(source.AlarmDictionary, ns, fields.OneTermEqualSelector(field, source.IndexValue(id)))
	if err != nil || len(objs) == 0 {
		return nil, false
	}
	if !sc.sees(objs[0]) {
		return nil, true
	}
	return objs[0], true
}

// resourceTypeAlarmDictionary serves resourceTypes/{id}/alarmDictionary: 404 when the type
// is unknown or invisible, or has no dictionary the caller may read.
func (h *handler) resourceTypeAlarmDictionary(r *http.Request) (*answer, *problem) {
	req, s, p := h.spec(r, model.KindAlarmDictionary)
	if p != nil {
		return nil, p
	}
	id := pathVars(r).get("id")
	rt, _, p := h.lookup(r, req, h.specs[model.KindResourceType][req.version], id)
	if p != nil {
		return nil, p
	}
	sc := h.dictionaryScope(r.Context())
	dict := h.dictionaryFor(sc, rt.(*v1alpha1.ResourceType))
	if dict == nil {
		return nil, newProblem(http.StatusNotFound, "ResourceType "+id+" has no alarm dictionary").attr("resourceTypeId", id)
	}
	return h.serveObject(r, req, s, sc, dict)
}

// withAlarmDictionary adds the v1 ResourceType's embedded alarmDictionary to the document of
// rendered r. The dictionary changes independently of the type, so it is added per request to
// a copy of the shared document; the shared JSON stays valid, since the dictionary is not in
// the default attribute set.
func (h *handler) withAlarmDictionary(r *rendered, obj runtime.Object, sc *scope) *rendered {
	if sc.dictionaries == nil {
		sc.dictionaries = h.dictionaryScope(sc.ctx)
	}
	dict := h.dictionaryFor(sc.dictionaries, obj.(*v1alpha1.ResourceType))
	if dict == nil {
		return r
	}
	s := h.specs[model.KindAlarmDictionary][model.Version2]
	doc, err := h.cfg.Source.Derived(source.AlarmDictionary, dict, "o2ims/dictionary", func() (any, error) {
		return s.document(dict, "", related{})
	})
	if err != nil {
		return r
	}
	out := maps.Clone(r.doc)
	out["alarmDictionary"] = doc
	return &rendered{doc: out, json: r.json}
}
