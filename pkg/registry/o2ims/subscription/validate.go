package subscription

import (
	"strconv"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/o2rest/filterschema"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
)

// validateChanged checks what the notifier reads of a subscription beyond its schema: the
// notification version annotation names a served version, and a SOL013 filter parses. Both
// were stored unchecked before (the O2 face checks what it writes, kubectl did not), and the
// notifier cannot serve a subscription that fails them: refused here, with the field, instead
// of a subscription that silently receives nothing. Checked on create and when changed
// (kind.Kind.ValidateChanged).
func (k *Kind) validateChanged(obj, old runtime.Object) field.ErrorList {
	var errs field.ErrorList
	key := v1alpha1.AnnotationNotificationVersion
	if v, ok := annotation(obj, key); ok {
		if was, had := annotation(old, key); old == nil || !had || was != v {
			if n, err := strconv.Atoi(v); err != nil || model.VersionString(n) == "" {
				errs = append(errs, field.NotSupported(field.NewPath("metadata", "annotations").Key(key), v,
					[]string{strconv.Itoa(model.Version1), strconv.Itoa(model.Version2)}))
			}
		}
	}
	if k.ConsumerID != nil {
		if id := k.ConsumerID(obj); id != "" && (old == nil || k.ConsumerID(old) != id) && !validation.IsUUID(id) {
			// The O2 POST refuses it (TestRegressionConsumerSubscriptionIdNotAUUID); through
			// kubectl it was stored, and echoed in every O2 GET and notification, which clients
			// decoding the contract's uuid fail on.
			errs = append(errs, field.Invalid(field.NewPath("spec", "consumerSubscriptionId"), id,
				"must be a UUID (8-4-4-4-12 hexadecimal digits), as the O2 contracts declare it"))
		}
	}
	if k.SOL013Filter == nil {
		return errs
	}
	f := k.SOL013Filter(obj)
	if f == "" || (old != nil && k.SOL013Filter(old) == f) {
		return errs
	}
	parsed, err := query.ParseFilter(f)
	if err == nil {
		err = filterschema.Subscription(k.FilterOf, parsed)
	}
	if err != nil {
		errs = append(errs, field.Invalid(field.NewPath("spec", "filter"), f, err.Error()))
	}
	return errs
}

// annotation returns obj's annotation key (obj may be nil).
func annotation(obj runtime.Object, key string) (string, bool) {
	if obj == nil {
		return "", false
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return "", false
	}
	v, ok := m.GetAnnotations()[key]
	return v, ok
}
