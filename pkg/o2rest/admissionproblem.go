package o2rest

import (
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/pkg/tenancy"
)

// quotaExceeded starts the reason the ResourceQuota admission plugin gives for a create that
// would go over a quota: "exceeded quota: <name>, requested: …, used: …, limited: …"
// (k8s.io/apiserver/pkg/admission/plugin/resourcequota). The wording is the plugin's, stable
// since quotas exist, and the only place the reason is carried.
const quotaExceeded = "exceeded quota: "

// isPolicyDenial reports whether an Invalid status is an admission policy's refusal
// (ValidatingAdmissionPolicy's default reason is Invalid, 422) rather than the registry's field
// validation: the policy names no field, the registry always does. A well-formed body a policy
// refuses is not a Bad Request, so the O2 face keeps the 422 and the policy's message.
func isPolicyDenial(st metav1.Status) bool {
	if st.Reason != metav1.StatusReasonInvalid || st.Details == nil {
		return false
	}
	for _, c := range st.Details.Causes {
		if c.Field != "" {
			return false
		}
	}
	return len(st.Details.Causes) > 0
}

// sharedQuotaProblem rewrites a quota refusal in the shared subscription namespace of the
// default apiRoot. A quota there counts every SMO's subscriptions, so the plugin's "used: …"
// would tell one SMO how many subscriptions the others hold; the SMO is told which quota
// refused it and why, not the usage. Any other problem is returned as it is, the per-owner
// subscription cap's included (its figures are the caller's own). In a tenant's own namespace
// the figures are the tenant's own and stay.
func sharedQuotaProblem(p *problem) *problem {
	if p == nil || p.status != http.StatusForbidden {
		return p
	}
	i := strings.Index(p.detail, quotaExceeded)
	if i < 0 {
		return p
	}
	name, _, _ := strings.Cut(p.detail[i+len(quotaExceeded):], ",")
	if name == tenancy.PerOwnerSubscriptionCap {
		return p
	}
	return newProblem(http.StatusForbidden, p.detail[:i]+quotaExceeded+name+
		": the subscription quota of the shared subscription namespace, which counts the subscriptions of every SMO of this apiRoot, is used up")
}
