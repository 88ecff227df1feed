// Package ocloud is the registry of OCloud objects (oclouds.o2ims.oran.org).
package ocloud

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes OCloud to the shared registry code.
func Kind() *kind.Kind {
	return &kind.Kind{
		Resource:    "oclouds",
		Singular:    "ocloud",
		ShortNames:  []string{},
		Namespaced:  false,
		NewFunc:     func() runtime.Object { return &o2ims.OCloud{} },
		NewListFunc: func() runtime.Object { return &o2ims.OCloudList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.OCloud).Spec.OCloudID },
		IDPath:      field.NewPath("spec", "oCloudId"),
		NewID:       func() string { return string(uuid.NewUUID()) },
		Validate:    func(obj runtime.Object) field.ErrorList { return validation.ValidateOCloud(obj.(*o2ims.OCloud)) },
		KindName:    "OCloud",
		// netweave's SMO registration reports its state in the status.
		Status: &kind.StatusHandling{
			ValidateStatus: func(obj runtime.Object) field.ErrorList {
				return validation.ValidateOCloudStatus(&obj.(*o2ims.OCloud).Status)
			},
		},
		Columns: []kind.Column{
			{Name: "O2 ID", Type: "string", Description: "O2 identifier (oCloudId)", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.OCloud); return o.Spec.OCloudID }},
			{Name: "Global Cloud ID", Type: "string", Description: "Identifier the SMO assigned", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.OCloud); return o.Spec.GlobalCloudID }},
			{Name: "Service URI", Type: "string", Description: "apiRoot of the O2-IMS services", Priority: 0, Cell: func(obj runtime.Object) interface{} { o := obj.(*o2ims.OCloud); return o.Spec.ServiceURI }},
		},
	}
}

// NewREST returns the storage of oclouds and, when the kind has one, of its status, held to the
// tenant boundary t.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
	return kind.NewRESTWithTenancy(Kind(), scheme, optsGetter, t)
}
