package o2rest

import (
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/filterschema"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

// kindSpec is what the generic list/get handlers need to know about one O2 kind in one major
// version of its API.
type kindSpec struct {
	kind     model.Kind
	version  int
	source   source.Kind
	resource string // o2ims.oran.org resource name, for authorization
	schema   *query.Schema
	defaults []string
	// pushdown maps an attribute to the field selector key holding the same value, and the
	// value the attribute shows when the field is empty (never pushed down).
	pushdown map[string]model.FieldSelector
	// memoKey names this version's rendering among an object's memoised derivations (built
	// once: a list asks for it once per item).
	memoKey string
}

func newKindSpecs() map[model.Kind]map[int]*kindSpec {
	specs := map[model.Kind]map[int]*kindSpec{}
	for _, kind := range model.Kinds() {
		for _, v := range model.Versions() {
			if !model.Supports(kind, v) {
				continue
			}
			s := &kindSpec{
				kind: kind, version: v,
				source:   source.Kind(kind.KubernetesKind()),
				resource: kind.KubernetesResource(),
				schema:   filterschema.Of(model.Attributes(kind, v)),
				defaults: defaultAttributes(kind, v),
				pushdown: map[string]model.FieldSelector{},
				memoKey:  "o2ims/v" + strconv.Itoa(v),
			}
			for _, fs := range model.FieldSelectors(kind, v) {
				s.pushdown[fs.Attribute] = fs
			}
			if specs[kind] == nil {
				specs[kind] = map[int]*kindSpec{}
			}
			specs[kind][v] = s
		}
	}
	return specs
}

// gone reports whether obj counts as absent on the O2 face: a subscription being deleted (held
// by a finalizer, someone's or a foreground deletion's) is one its owner was answered 200 to
// DELETE for, and the notifier serves it no more; listing it, or refusing a new subscription to
// its callback as a duplicate, would say otherwise. (A ProvisioningRequest being deleted stays:
// its DELETING state is what an SMO follows.)
func (s *kindSpec) gone(obj runtime.Object) bool {
	return isSubscription(s.kind) && beingDeleted(obj)
}

// beingDeleted reports whether obj has a deletionTimestamp.
func beingDeleted(obj runtime.Object) bool {
	m, err := meta.Accessor(obj)
	return err == nil && m.GetDeletionTimestamp() != nil
}

// defaultAttributes is what a response carries without attribute selectors: the attributes
// the schema requires (so the response validates) and the object's id, which a client needs to
// do anything with it. A subscription or the service configuration is small and every
// attribute matters to its reader, so all of it is default.
func defaultAttributes(kind model.Kind, version int) []string {
	if isSubscription(kind) || kind == model.KindAlarmServiceConfiguration {
		return nil
	}
	defaults := model.DefaultAttributes(kind, version)
	switch kind {
	case model.KindProvisioningRequest, model.KindManagedInfrastructureTemplate:
		// Their ids are inside the required attributes: provisioningRequestData's
		// provisioningRequestId, the template's name and version.
		return defaults
	}
	id := idAttribute(kind)
	for _, d := range defaults {
		if d == id {
			return defaults
		}
	}
	return append(defaults, id)
}

// related carries what a document derives from other objects (a location's sites, a site's
// pools), already restricted to what the caller may see.
type related struct {
	ids []string
}

// document renders obj as the O2 JSON document of spec.
func (s *kindSpec) document(obj runtime.Object, serviceURI string, rel related) (map[string]any, error) {
	v2 := s.version == model.Version2
	switch o := obj.(type) {
	case *v1alpha1.OCloud:
		if v2 {
			return model.OCloudInfoV2(o, serviceURI), nil
		}
		return model.OCloudInfoV1(o, serviceURI), nil
	case *v1alpha1.ResourceType:
		if v2 {
			return model.ResourceTypeV2(o), nil
		}
		return model.ResourceTypeV1(o), nil
	case *v1alpha1.ResourcePool:
		if v2 {
			return model.ResourcePoolV2(o), nil
		}
		return model.ResourcePoolV1(o), nil
	case *v1alpha1.O2Resource:
		if v2 {
			return model.ResourceV2(o), nil
		}
		return model.ResourceV1(o), nil
	case *v1alpha1.DeploymentManager:
		if v2 {
			return model.DeploymentManagerV2(o), nil
		}
		return model.DeploymentManagerV1(o), nil
	case *v1alpha1.InventorySubscription:
		if v2 {
			return model.SubscriptionV2(o), nil
		}
		return model.SubscriptionV1(o), nil
	case *v1alpha1.Location:
		return model.LocationInfoV2(o, rel.ids), nil
	case *v1alpha1.OCloudSite:
		return model.OCloudSiteInfoV2(o, rel.ids), nil
	case *v1alpha1.AlarmDictionary:
		return model.AlarmDictionaryDoc(o), nil
	case *v1alpha1.AlarmEventRecord:
		if v2 {
			return model.AlarmEventRecordV2(o), nil
		}
		return model.AlarmEventRecordV1(o), nil
	case *v1alpha1.AlarmSubscription:
		if v2 {
			return model.AlarmSubscriptionV2(o), nil
		}
		return model.AlarmSubscriptionV1(o), nil
	case *v1alpha1.AlarmPurge:
		return model.TaskOperationInfoV2(o), nil
	case *v1alpha1.ProvisioningRequest:
		return model.ProvisioningRequestInfo(o), nil
	case *v1alpha1.ManagedInfrastructureTemplate:
		return model.ManagedInfrastructureTemplateDoc(o), nil
	case *v1alpha1.ProvisioningRequestSubscription:
		return model.ProvisioningSubscription(o), nil
	}
	return nil, fmt.Errorf("no O2 document for %T", obj)
}
