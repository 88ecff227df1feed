// Package alarmserviceconfiguration is the registry of the AlarmServiceConfiguration singleton
// (alarmserviceconfigurations.o2ims.oran.org).
package alarmserviceconfiguration

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes AlarmServiceConfiguration to the shared registry code. It has no O2 id: O2-IMS
// serves it at a fixed path.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    "alarmserviceconfigurations",
		Singular:    "alarmserviceconfiguration",
		Namespaced:  false,
		NewFunc:     func() runtime.Object { return &o2ims.AlarmServiceConfiguration{} },
		NewListFunc: func() runtime.Object { return &o2ims.AlarmServiceConfigurationList{} },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateAlarmServiceConfiguration(obj.(*o2ims.AlarmServiceConfiguration))
		},
		KindName: "AlarmServiceConfiguration",
		Columns: []kind.Column{
			{Name: "Retention", Type: "integer", Description: "days cleared alarms are kept (retentionPeriod)", Cell: func(obj runtime.Object) interface{} {
				if p := obj.(*o2ims.AlarmServiceConfiguration).Spec.RetentionPeriod; p != nil {
					return int64(*p)
				}
				return nil
			}},
		},
	}
}

// NewREST returns the storage of alarmserviceconfigurations, held to the tenant boundary t.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}
