// Package filterschema says what a SOL013 filter may name: the attributes of the O2 documents
// it is evaluated against, for a query of one kind (Of) and for a subscription, whose filter the
// notifier evaluates against the documents of every kind it notifies (Subscription).
package filterschema

import (
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
)

// ObjectType is the pseudo-attribute naming the O2 schema of the object a subscription's
// filter is evaluated against: (eq,objectType,Resource).
const ObjectType = "objectType"

// Of is the schema of a kind's attributes (model.Attributes), closed objects with their
// sub-attributes.
func Of(attrs []model.Attribute) *query.Schema {
	types := make(map[string]query.AttrType, len(attrs))
	for _, a := range attrs {
		types[a.Name] = attrType(a.Type)
	}
	s := query.NewSchema(types)
	for _, a := range attrs {
		if a.Type == model.TypeObject && !a.Open && len(a.Fields) > 0 {
			s = s.With(a.Name, Of(a.Fields))
		}
	}
	return s
}

func attrType(t string) query.AttrType {
	switch t {
	case model.TypeString:
		return query.String
	case model.TypeNumber:
		return query.Number
	case model.TypeInteger:
		return query.Integer
	case model.TypeBoolean:
		return query.Bool
	case model.TypeArray:
		return query.Array
	case model.TypeObject:
		return query.Object
	default:
		return query.Any
	}
}

// provisioning is what a provisioning request subscription's filter may name: the attributes
// of ProvisioningRequestInfo (nested with "/"), and objectType.
var provisioning = Of(append(model.Attributes(model.KindProvisioningRequest, model.Version1),
	model.Attribute{Name: ObjectType, Type: model.TypeString}))

// inventory are the schemas of the documents an inventory subscription's filter is evaluated
// against: every notified inventory kind, in every version.
var inventory = inventorySchemas()

func inventorySchemas() []*query.Schema {
	var out []*query.Schema
	for _, k := range model.Kinds() {
		switch k {
		case model.KindAlarmEventRecord, model.KindProvisioningRequest:
			continue // other families' subscriptions
		}
		if !k.Notified() {
			continue
		}
		for _, v := range []int{model.Version1, model.Version2} {
			if attrs := model.Attributes(k, v); attrs != nil {
				out = append(out, Of(attrs))
			}
		}
	}
	return out
}

// Subscription checks the filter of a subscription of kind (model.KindSubscription or
// model.KindProvisioningSubscription; any other kind is not checked) against what the notifier
// evaluates it on. A provisioning subscription's is one document: its attributes, types and
// operators, as for a query. An inventory subscription's is evaluated against each notified
// kind's documents: every attribute it names must be one of at least one of them (or
// objectType); types differ between kinds and are not checked. A misspelt attribute was
// accepted, and then matched nothing (or, negated, everything): the SMO's subscription
// silently received what it did not ask for, where the same filter on a list is a 400.
func Subscription(kind model.Kind, f query.Filter) error {
	switch kind {
	case model.KindProvisioningSubscription:
		return f.Validate(provisioning)
	case model.KindSubscription:
	default:
		return nil
	}
	var unknown []string
	for _, t := range f {
		if len(t.Path) == 1 && t.Path[0] == ObjectType {
			continue
		}
		if !knownIn(inventory, t.Path) {
			unknown = append(unknown, t.Path.String())
		}
	}
	if unknown != nil {
		return &query.AttributeError{Param: "filter", Paths: unknown,
			Detail: "no inventory object's document has it (a subscription's filter is evaluated against each kind's document, and may name objectType)"}
	}
	return nil
}

func knownIn(schemas []*query.Schema, path query.Path) bool {
	for _, s := range schemas {
		if _, _, ok := s.Lookup(path); ok {
			return true
		}
	}
	return false
}
