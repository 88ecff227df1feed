// Package alarmeventrecord is the registry of AlarmEventRecord objects
// (alarmeventrecords.o2ims.oran.org, `kubectl get alarms`).
package alarmeventrecord

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes AlarmEventRecord to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    "alarmeventrecords",
		Singular:    "alarmeventrecord",
		ShortNames:  []string{"alarm", "alarms"},
		Namespaced:  true,
		NewFunc:     func() runtime.Object { return &o2ims.AlarmEventRecord{} },
		NewListFunc: func() runtime.Object { return &o2ims.AlarmEventRecordList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.AlarmEventRecord).Spec.AlarmEventRecordID },
		IDPath:      field.NewPath("spec", "alarmEventRecordId"),
		NewID:       func() string { return string(uuid.NewUUID()) },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateAlarmEventRecord(obj.(*o2ims.AlarmEventRecord))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validation.ValidateAlarmEventRecordUpdate(obj.(*o2ims.AlarmEventRecord), old.(*o2ims.AlarmEventRecord))
		},
		KindName:               "AlarmEventRecord",
		ServerAssignsTenantIDs: true,
		Refs:                   refs,
		Admit:                  admit,
		PrepareForCreate:       prepareForCreate,
		PrepareForUpdate:       prepareForUpdate,
		Status: &kind.StatusHandling{
			ValidateStatus: func(obj runtime.Object) field.ErrorList {
				return validation.ValidateAlarmEventRecordStatus(&obj.(*o2ims.AlarmEventRecord).Status)
			},
			// The recorder raises an alarm with its severity and times in one write.
			SetOnCreate: true,
			// What an alarm reports after its raise is the recorder's to say (acknowledging and
			// clearing are spec requests the server records): a node pool namespace's admin,
			// whose "*" reaches the status of the O-Cloud's alarms about that namespace's nodes,
			// must not rewrite, clear or re-date them.
			ServerOnly:       true,
			PrepareForUpdate: keepAcknowledgement,
		},
		Columns: columns(),
	}
}

// objectResources maps an alarm's objectClass to the resource of the objects of that class;
// the O-Cloud is cluster-scoped and shared by every namespace, so not a reference.
var objectResources = map[string]struct{ resource, kind string }{
	"Resource":          {"resources", "Resource"},
	"ResourcePool":      {"resourcepools", "ResourcePool"},
	"DeploymentManager": {"deploymentmanagers", "DeploymentManager"},
}

// refs: an alarm is about an object of its own namespace, and of a type and defined in a
// dictionary of its namespace or the operator's. The object must be the writer's own (not the
// operator's, as a type or dictionary may be): the operator's SMO lists every namespace's
// alarms on the default apiRoot, where a tenant's alarm naming an inventory node's Resource
// would read as the O-Cloud's own. So no tenant files alarms against the operator's or another
// tenant's objects, or probes their ids. The recorder writes as a cluster superuser and is not
// held to references. Definition and probable cause ids live inside the dictionary.
func refs(obj runtime.Object) []kind.Ref {
	o := obj.(*o2ims.AlarmEventRecord)
	spec := field.NewPath("spec")
	out := []kind.Ref{{Path: spec.Child("alarmDictionaryId"), ID: o.Spec.AlarmDictionaryID, Resource: "alarmdictionaries", Kind: "AlarmDictionary"}}
	if target, ok := objectResources[o.Spec.ObjectClass]; ok {
		out = append(out, kind.Ref{Path: spec.Child("objectId"), ID: o.Spec.ObjectID, Resource: target.resource, Kind: target.kind, OwnNamespace: true})
	}
	if o.Spec.ObjectClass == "Resource" {
		out = append(out, kind.Ref{Path: spec.Child("objectTypeId"), ID: o.Spec.ObjectTypeID, Resource: "resourcetypes", Kind: "ResourceType"})
	}
	return out
}

// admit holds a new alarm written by anyone but a cluster superuser outside the inventory
// namespace to what such a writer may file (admitObjectClass, admitName).
func admit(ctx context.Context, t *kind.Tenancy, namespace string, obj, old runtime.Object) (field.ErrorList, error) {
	if old != nil || namespace == t.InventoryNamespace() || kind.Superuser(ctx) {
		return nil, nil
	}
	errs, err := admitObjectClass(ctx, t, namespace, obj, old)
	if err != nil {
		return nil, err
	}
	return append(errs, admitName(obj.(*o2ims.AlarmEventRecord).Name)...), nil
}

// admitName refuses a name of the form of the recorder's alarm ids (a name-based UUIDv5, which
// the recorder names its records by) to a writer whose alarm's id the server assigns. Those ids
// are predictable: the re-raise of an alarm a node pool namespace's admin clears is named from
// the source, key and second of the clear, all in the cleared record. A record created under
// that name beforehand made every create of the re-raise AlreadyExists, and the O-Cloud's
// alarm about a present fault was never raised again.
func admitName(name string) field.ErrorList {
	if !validation.IsNameBasedUUID(name) {
		return nil
	}
	return field.ErrorList{field.Forbidden(field.NewPath("metadata", "name"),
		"name-based (version 5) UUIDs name the O-Cloud's own alarm records; choose another name or use generateName")}
}

// operatorClasses are the object classes only the operator's namespace has alarms about: the
// O-Cloud (cluster-scoped, no reference to resolve) and the DeploymentManagers, which stand
// for the O-Cloud's clusters.
var operatorClasses = map[string]bool{"OCloud": true, "DeploymentManager": true}

// admitObjectClass refuses a new alarm about the O-Cloud or a DeploymentManager outside the
// inventory namespace, unless a cluster superuser (netweave's own recorder, which keeps those
// alarms in the inventory namespace) writes it: an SMO reading the default apiRoot could not
// tell a namespace admin's CRITICAL alarm on the O-Cloud from the O-Cloud's own. Only the
// authenticated user counts, never anything the object says about its source. An update
// cannot change what an alarm is about, so alarms stored before keep being acknowledged.
func admitObjectClass(ctx context.Context, t *kind.Tenancy, namespace string, obj, old runtime.Object) (field.ErrorList, error) {
	if old != nil || namespace == t.InventoryNamespace() || kind.Superuser(ctx) {
		return nil, nil
	}
	class := obj.(*o2ims.AlarmEventRecord).Spec.ObjectClass
	if !operatorClasses[class] {
		return nil, nil
	}
	return field.ErrorList{field.Forbidden(field.NewPath("spec", "objectClass"),
		fmt.Sprintf("alarms about the %s are kept in the inventory namespace %s only; an alarm in namespace %s is about a Resource or ResourcePool of that namespace",
			class, t.InventoryNamespace(), namespace))}, nil
}

// NewREST returns the storage of alarmeventrecords and of their status, held to the tenant
// boundary t.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*REST, *kind.StatusREST, error) {
	main, status, err := kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
	if err != nil {
		return nil, nil, err
	}
	return &REST{REST: main, tenancy: t}, status, nil
}
