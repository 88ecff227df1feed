package inventory

import (
	"maps"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// ownedKeyPrefix marks the labels and annotations the inventory sync sets: those of the
// group's domain. Every other key on a synced object is someone else's (kubectl label or
// annotate, a GitOps tool, a backup tool's marker) and is kept as it is, as are the
// object's finalizers and owner references: an update that dropped another controller's
// finalizer would let the object go before that controller had finished with it.
const ownedKeyPrefix = v1alpha1.GroupName + "/"

func ownedKey(k string) bool { return strings.HasPrefix(k, ownedKeyPrefix) }

// sameOwnedKeys reports whether have (what is stored) carries exactly want's keys (what the
// sync sets) among the keys of the group's domain, ignoring the others' keys it carries.
func sameOwnedKeys(want, have map[string]string) bool {
	for k, v := range want {
		if h, ok := have[k]; !ok || h != v {
			return false
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok && ownedKey(k) {
			return false
		}
	}
	return true
}

// keepOthersMeta makes u, the desired object about to replace cur, carry what others put on
// cur: their labels and annotations, finalizers and owner references; and cur's identity
// (resourceVersion for the optimistic lock, uid).
func keepOthersMeta(u, cur metav1.Object) {
	u.SetResourceVersion(cur.GetResourceVersion())
	u.SetUID(cur.GetUID())
	u.SetLabels(withOthersKeys(u.GetLabels(), cur.GetLabels()))
	u.SetAnnotations(withOthersKeys(u.GetAnnotations(), cur.GetAnnotations()))
	u.SetFinalizers(cur.GetFinalizers())
	u.SetOwnerReferences(cur.GetOwnerReferences())
}

// withOthersKeys is want plus the keys outside the group's domain that have holds and want
// does not set.
func withOthersKeys(want, have map[string]string) map[string]string {
	out := maps.Clone(want)
	for k, v := range have {
		if _, set := out[k]; set || ownedKey(k) {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out
}
