// Package alarmpurge is the registry of AlarmPurge objects (alarmpurges.o2ims.oran.org): the
// visible record of a spec v10 alarm purge task.
package alarmpurge

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes AlarmPurge to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    "alarmpurges",
		Singular:    "alarmpurge",
		Namespaced:  true,
		NewFunc:     func() runtime.Object { return &o2ims.AlarmPurge{} },
		NewListFunc: func() runtime.Object { return &o2ims.AlarmPurgeList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.AlarmPurge).Spec.TaskID },
		IDPath:      field.NewPath("spec", "taskId"),
		NewID:       func() string { return string(uuid.NewUUID()) },
		// Task ids are the server's (O2 answers the POST with the task's Location).
		ServerAssignsIDs: true,
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateAlarmPurge(obj.(*o2ims.AlarmPurge))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validation.ValidateAlarmPurgeUpdate(obj.(*o2ims.AlarmPurge), old.(*o2ims.AlarmPurge))
		},
		KindName: "AlarmPurge",
		// Stored to the second: an edge inside one moves inward, never outward.
		PrepareForCreate: func(_ context.Context, obj runtime.Object) {
			if c := obj.(*o2ims.AlarmPurge).Spec.PurgeConditions; c != nil {
				c.StartWindowTime, c.EndWindowTime = validation.PurgeWindowInward(c.StartWindowTime, c.EndWindowTime)
			}
		},
		// A purge names alarms of its own namespace only, the only ones its worker purges: an
		// alarm id held in the inventory namespace, in another tenant's or by nobody gets the
		// same 422, so no tenant probes for the operator's or another tenant's alarms.
		Refs: func(obj runtime.Object) []kind.Ref {
			o := obj.(*o2ims.AlarmPurge)
			var out []kind.Ref
			for i, id := range o.Spec.AlarmRecordIDs {
				out = append(out, kind.Ref{Path: field.NewPath("spec", "alarmRecordIds").Index(i), ID: id,
					Resource: "alarmeventrecords", Kind: "AlarmEventRecord", OwnNamespace: true})
			}
			return out
		},
		Status: &kind.StatusHandling{
			ValidateStatus: func(obj runtime.Object) field.ErrorList {
				return validation.ValidateAlarmPurgeStatus(&obj.(*o2ims.AlarmPurge).Status)
			},
		},
		Columns: []kind.Column{
			{Name: "O2 ID", Type: "string", Description: "O2 identifier of the task (taskId)", Cell: func(obj runtime.Object) interface{} {
				return obj.(*o2ims.AlarmPurge).Spec.TaskID
			}},
			{Name: "State", Type: "string", Description: "operationState", Cell: func(obj runtime.Object) interface{} {
				return string(obj.(*o2ims.AlarmPurge).Status.OperationState)
			}},
			{Name: "Purged", Type: "integer", Description: "alarm records removed", Cell: func(obj runtime.Object) interface{} {
				return int64(obj.(*o2ims.AlarmPurge).Status.Purged)
			}},
		},
	}
}

// NewREST returns the storage of alarmpurges and of their status, held to the tenant boundary t.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}
