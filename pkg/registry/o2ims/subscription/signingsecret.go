package subscription

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/netweave-io/netweave/pkg/fieldvalue"
	"github.com/netweave-io/netweave/pkg/registry/secretref"
)

// A subscription's spec.signingSecretRef makes netweave, which may read every Secret, read a
// Secret on the subscription's behalf and use its bytes as the HMAC key of the POSTs to a
// callback the creator chose. Without a check, a user allowed to create subscriptions but not
// to read Secrets could borrow any Secret of the namespace: the signatures let them test
// guesses of its value offline. So the creator must hold "get" on that Secret (pkg/registry/secretref).
// The notifier further requires the Secret to opt in (its type or label, pkg/notify), which
// the Secret's owner controls.
//
// The check runs on create, and on update when the reference names another Secret or when the
// callback changes: signatures sent to a new receiver are a new use of the key, so whoever
// moves them (a holder of manage-others, or a subscriber who was handed a Secret it may not
// read) must be able to read it. An update that keeps both, e.g. by the notifier's owner or a
// label change, proves nothing new and needs no rights on the Secret. A different key of the
// same Secret needs no new check: the permission is per Secret.

// withSigningSecretCheck makes the store refuse a signingSecretRef its requester may not get.
// Existing hooks (the dry-run id check) still run after it.
func (k *Kind) withSigningSecretCheck(store *registry.Store, authz authorizer.Authorizer) {
	secretref.Rule{
		Authorizer: authz,
		Resource:   k.Qualified(k.Resource),
		Field:      field.NewPath("spec", "signingSecretRef"),
		Name: func(obj runtime.Object) string {
			if ref := k.SigningSecretRef(obj); ref != nil {
				return ref.Name
			}
			return ""
		},
		Moved: func(obj, old runtime.Object) bool {
			now, err1 := fieldvalue.Value(obj, "spec.callback")
			was, err2 := fieldvalue.Value(old, "spec.callback")
			return err1 != nil || err2 != nil || now != was
		},
		Use: "a subscription can only sign with a key its creator may read",
	}.Install(store)
}
